using MatrixGrokker.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Metrics;

/// <summary>
/// Linear-region local complexity (Humayun, Balestriero and Baraniuk, "Deep networks always grok and here is why"):
/// around each probe point x, the neighbourhood {x ± r·v_p} with v_p orthonormal random directions; a neuron is counted
/// when its pre-activation sign is not the same at every vertex, i.e. its zero level set (a linear-region boundary)
/// passes through the neighbourhood. LC(x) = the count summed over layers.
/// </summary>
public static class RegionComplexity
{
    /// <summary>Measures the region LC of the probe points.</summary>
    /// <param name="preActivations">Maps a batch [rows, features] to each hidden layer's pre-activations [rows, width].</param>
    /// <param name="probe">Probe points [samples, features].</param>
    /// <param name="radius">r &gt; 0.</param>
    /// <param name="vertices">P, even: P/2 directions, each with both signs; capped at 2·features.</param>
    /// <param name="seed">Seed of the private direction generator (torch's global generator is not used).</param>
    public static RegionComplexityMeasurement Measure(Func<Tensor, IReadOnlyList<Tensor>> preActivations, Tensor probe, double radius, int vertices, long seed)
    {
        ArgumentNullException.ThrowIfNull(preActivations);
        ArgumentNullException.ThrowIfNull(probe);
        if (probe.dim() != 2 || probe.shape[0] < 1 || probe.shape[1] < 1)
        {
            throw new ArgumentException($"The probe must be [samples, features] with at least one of each; got shape [{string.Join(", ", probe.shape)}].", nameof(probe));
        }

        if (!(radius > 0) || double.IsInfinity(radius))
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "The radius must be finite and > 0.");
        }

        if (vertices < 2 || vertices % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(vertices), vertices, "Vertices must be even and >= 2 (x ± r·v per direction).");
        }

        TorchRuntime.EnsureAvailable();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var samples = probe.shape[0];
        var features = probe.shape[1];
        var directions = (int)Math.Min(vertices / 2, features);
        var corners = 2 * directions;

        // Orthonormal columns from the QR of a Gaussian matrix, one frame per probe point, from a private generator.
        Tensor frames;
        using (var generator = new Generator((ulong)seed))
        {
            var gaussian = randn([samples, features, directions], ScalarType.Float64, generator: generator);
            frames = linalg.qr(gaussian).Q.to_type(probe.dtype).to(probe.device);
        }

        var offsets = cat([frames, frames.neg()], 2).mul_(radius).permute(0, 2, 1); // [samples, corners, features]
        var points = (probe.detach().unsqueeze(1) + offsets).reshape(samples * corners, features);
        var layers = preActivations(points);

        var total = zeros(samples, ScalarType.Int64, probe.device);
        var counts = new double[layers.Count];
        var widths = new int[layers.Count];
        for (var i = 0; i < layers.Count; i++)
        {
            // Some vertex positive and some not ⇔ max > 0 ≥ min; float min/max reductions are much faster than bool any/all.
            var pre = layers[i].reshape(samples, corners, -1);
            var crossed = pre.amax(1).gt(0).logical_and(pre.amin(1).le(0)); // [samples, width]
            var perPoint = crossed.sum(1, type: ScalarType.Int64);
            total.add_(perPoint);
            widths[i] = (int)crossed.shape[1];
            counts[i] = perPoint.to_type(ScalarType.Float64).mean().item<double>();
        }

        return new RegionComplexityMeasurement(
            total.to_type(ScalarType.Float64).mean().item<double>(),
            counts,
            counts.Select((c, i) => widths[i] == 0 ? 0 : c / widths[i]).ToArray(),
            widths,
            corners);
    }
}

/// <summary>Result of <see cref="RegionComplexity.Measure"/>.</summary>
/// <param name="Mean">Mean over probe points of LC(x) = crossing neurons summed over layers.</param>
/// <param name="MeanCounts">Per layer: mean number of crossing neurons per probe point.</param>
/// <param name="Fractions">Per layer: mean count divided by the layer width.</param>
/// <param name="Widths">Per layer: number of neurons.</param>
/// <param name="Vertices">Vertices actually used per neighbourhood (after the cap at 2·features).</param>
public sealed record RegionComplexityMeasurement(
    double Mean,
    IReadOnlyList<double> MeanCounts,
    IReadOnlyList<double> Fractions,
    IReadOnlyList<int> Widths,
    int Vertices);

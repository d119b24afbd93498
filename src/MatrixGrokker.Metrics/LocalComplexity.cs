using MatrixGrokker.Runtime;
using static TorchSharp.torch;

namespace MatrixGrokker.Metrics;

/// <summary>
/// The original project's cosine local complexity: rows (samples) are L2-normalised, m is the mean of the
/// off-diagonal entries of their pairwise cosine matrix, and LC = clip(1 − |m|, 0, 1). Identical rows give 0,
/// mutually orthogonal rows give 1. All-zero rows (e.g. a layer of dead ReLUs) have cosine 0 with every row, so a
/// completely dead layer also scores 1: read LC together with the activations' norm.
/// </summary>
public static class LocalComplexity
{
    /// <summary>The seed's normalisation floor: rows are divided by max(‖row‖, 1e-8).</summary>
    public const double DefaultEpsilon = 1e-8;

    /// <summary>LC = clip(1 − |m|, 0, 1) of one activation matrix.</summary>
    /// <param name="activations">[samples, …]; every dimension after the first is flattened into features.</param>
    /// <param name="epsilon">Normalisation floor.</param>
    public static double Cosine(Tensor activations, double epsilon = DefaultEpsilon) =>
        FromMeanCosine(MeanCosine(activations, epsilon));

    /// <summary>LC of several activation matrices concatenated along features (rows must match).</summary>
    /// <param name="activations">Tensors [samples, …], same number of samples.</param>
    /// <param name="epsilon">Normalisation floor.</param>
    public static double Cosine(IReadOnlyList<Tensor> activations, double epsilon = DefaultEpsilon) =>
        FromMeanCosine(MeanCosine(activations, epsilon));

    /// <summary>m of several activation matrices concatenated along features, per sample (rows must match).</summary>
    /// <param name="activations">Tensors [samples, …], same number of samples.</param>
    /// <param name="epsilon">Normalisation floor.</param>
    public static double MeanCosine(IReadOnlyList<Tensor> activations, double epsilon = DefaultEpsilon)
    {
        ArgumentNullException.ThrowIfNull(activations);
        if (activations.Count == 0)
        {
            throw new ArgumentException("At least one activation tensor is needed.", nameof(activations));
        }

        if (activations.Count == 1)
        {
            return MeanCosine(activations[0], epsilon);
        }

        using var scope = NewDisposeScope();
        var rows = activations[0].shape.Length == 0 ? 0 : activations[0].shape[0];
        if (activations.Any(a => a.shape.Length == 0 || a.shape[0] != rows))
        {
            throw new ArgumentException(
                $"Activations must share their sample count; got [{string.Join(", ", activations.Select(a => a.shape.Length == 0 ? "scalar" : a.shape[0].ToString(System.Globalization.CultureInfo.InvariantCulture)))}].",
                nameof(activations));
        }

        return MeanCosine(cat(activations.Select(a => a.detach().reshape(rows, -1).to_type(ScalarType.Float64)).ToArray(), 1), epsilon);
    }

    /// <summary>
    /// m: the mean off-diagonal cosine similarity of the rows, in [−1, 1]. Computed in O(samples·features) as
    /// (‖Σ u_i‖² − Σ‖u_i‖²) / (n(n−1)) with u_i the normalised rows, in double precision.
    /// </summary>
    /// <param name="activations">[samples, …] with at least two samples.</param>
    /// <param name="epsilon">Normalisation floor, ≥ 0.</param>
    public static double MeanCosine(Tensor activations, double epsilon = DefaultEpsilon)
    {
        ArgumentNullException.ThrowIfNull(activations);
        if (!(epsilon >= 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be finite and >= 0.");
        }

        if (activations.dim() < 2 || activations.shape[0] < 2)
        {
            throw new ArgumentException(
                $"Local complexity needs [samples, features] with at least 2 samples; got shape [{string.Join(", ", activations.shape)}].",
                nameof(activations));
        }

        TorchRuntime.EnsureAvailable();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var n = activations.shape[0];
        var x = activations.detach().reshape(n, -1).to_type(ScalarType.Float64);
        // An all-zero row stays zero (cosine 0 with every row) even with epsilon 0.
        var u = x / x.square().sum(1, keepdim: true).sqrt().clamp_min(Math.Max(epsilon, double.Epsilon));
        var all = u.sum(dim: 0).square().sum().item<double>();
        var diagonal = u.square().sum().item<double>();
        return (all - diagonal) / (n * (double)(n - 1));
    }

    /// <summary>LC = clip(1 − |m|, 0, 1) for a mean cosine m.</summary>
    /// <param name="meanCosine">m.</param>
    public static double FromMeanCosine(double meanCosine) => Math.Clamp(1 - Math.Abs(meanCosine), 0, 1);
}

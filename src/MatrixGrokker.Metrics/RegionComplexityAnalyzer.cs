using System.Diagnostics;
using System.Globalization;
using MatrixGrokker.Analysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace MatrixGrokker.Metrics;

/// <summary>
/// Linear-region local complexity (<see cref="RegionComplexity"/>) of the probe batch in one batched forward pass of
/// samples × vertices points. Headline: mean LC(x) over the probe (neurons crossing a neighbourhood, summed over layers).
/// Per layer (<c>hidden.i</c>): the crossing fraction, count / width. Extras: <c>count.hidden.i</c> (mean count),
/// <c>radius</c>, <c>vertices</c> (after the cap). Modules other than <see cref="Models.IModel"/> must contain
/// activation modules (their inputs are the pre-activations); otherwise use <see cref="RegionComplexity.Measure"/>.
/// </summary>
public sealed class RegionComplexityAnalyzer : IAnalyzer
{
    private readonly ILogger _logger;
    private bool _capLogged;

    /// <summary>Creates the analyzer.</summary>
    /// <param name="options">Radius, vertices and seed; defaults r = 0.05, P = 50.</param>
    /// <param name="logger">Notes when the vertex count is capped by the input width.</param>
    public RegionComplexityAnalyzer(RegionComplexityOptions? options = null, ILogger<RegionComplexityAnalyzer>? logger = null)
    {
        Options = options ?? new RegionComplexityOptions();
        OptionsCheck.ThrowIfInvalid(new RegionComplexityOptionsValidator(), Options);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => "lc_region";

    /// <summary>The settings in use.</summary>
    public RegionComplexityOptions Options { get; }

    /// <inheritdoc />
    public AnalyzerResult Analyze(AnalysisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var start = Stopwatch.GetTimestamp();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var measured = RegionComplexity.Measure(
            batch => ActivationCapture.Run(input, batch).Select(l => l.PreActivation).ToArray(),
            input.Probe, Options.Radius, Options.Vertices, Options.Seed);
        if (measured.Vertices < Options.Vertices && !_capLogged)
        {
            _capLogged = true;
            MetricsLog.VerticesCapped(_logger, Options.Vertices, measured.Vertices, input.Probe.shape[1]);
        }

        var perLayer = new Dictionary<string, double>(StringComparer.Ordinal);
        var extra = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < measured.Widths.Count; i++)
        {
            var name = "hidden." + i.ToString(CultureInfo.InvariantCulture);
            perLayer[name] = measured.Fractions[i];
            extra["count." + name] = measured.MeanCounts[i];
        }

        extra["radius"] = Options.Radius;
        extra["vertices"] = measured.Vertices;
        return new AnalyzerResult(Name, measured.Mean, perLayer, extra, Stopwatch.GetElapsedTime(start));
    }
}

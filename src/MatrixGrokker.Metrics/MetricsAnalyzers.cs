using MatrixGrokker.Analysis;
using Microsoft.Extensions.Logging;

namespace MatrixGrokker.Metrics;

/// <summary>Creates this package's analyzers from one <see cref="MetricsAnalyzerOptions"/>.</summary>
public static class MetricsAnalyzers
{
    /// <summary>
    /// The three analyzers in report order: <c>lc</c> (<see cref="LocalComplexityAnalyzer"/>), <c>lc_region</c>
    /// (<see cref="RegionComplexityAnalyzer"/>) and <c>sp</c> (<see cref="SuperpositionAnalyzer"/>, on the backend
    /// named by <see cref="SuperpositionOptions.Backend"/>). Options are validated first.
    /// </summary>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="loggerFactory">Source of the analyzers' loggers; null for none.</param>
    public static IReadOnlyList<IAnalyzer> Create(MetricsAnalyzerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new MetricsAnalyzerOptions();
        OptionsCheck.ThrowIfInvalid(new MetricsAnalyzerOptionsValidator(), options);
        return
        [
            new LocalComplexityAnalyzer(options.LocalComplexity),
            new RegionComplexityAnalyzer(options.RegionComplexity, loggerFactory?.CreateLogger<RegionComplexityAnalyzer>()),
            new SuperpositionAnalyzer(options.Superposition, logger: loggerFactory?.CreateLogger<SuperpositionAnalyzer>()),
        ];
    }
}

using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using MatrixGrokker.Options;
using MatrixGrokker.Regularization;
using Microsoft.Extensions.Logging;

namespace MatrixGrokker.Experiment;

/// <summary>Builds the pluggable parts of a run (analyzers, regulariser) in one place.</summary>
internal static class RunComponents
{
    /// <summary>Names of the analyzers <see cref="CreateAnalyzers"/> makes (read from them, so the two cannot drift).</summary>
    public static IReadOnlyList<string> AnalyzerNames { get; } =
        [.. CreateAnalyzers(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).Select(a => a.Name)];

    // LC and SP feed the progress line, the metrics files and the thermal engine.
    public static IReadOnlyList<IAnalyzer> CreateAnalyzers(ILoggerFactory loggers) =>
        [new LocalComplexityAnalyzer(), new SuperpositionAnalyzer(logger: loggers.CreateLogger<SuperpositionAnalyzer>())];

    /// <summary>Returns the regulariser and its name.</summary>
    public static (IRegularizer Regularizer, string Name) CreateRegularizer(ExperimentOptions experiment, MatrixGrokkerOptions options, ThermalEngineOptions? thermal, ILoggerFactory loggers) =>
        experiment.Regularizer switch
        {
            "thermal" => (new ThermalEngine(thermal, loggers.CreateLogger<ThermalEngine>()), "thermal"),
            _ => (new ConstantWeightDecay(options.Training.WeightDecay), "constant"),
        };
}

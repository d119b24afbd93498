using MatrixGrokker.Analysis;
using MatrixGrokker.Options;
using MatrixGrokker.Regularization;

namespace MatrixGrokker.Experiment;

/// <summary>
/// Builds the pluggable parts of a run (analyzers, regulariser). Kept in one place so the metrics package's
/// analyzers and thermal engine slot in here.
/// </summary>
internal static class RunComponents
{
    public static IReadOnlyList<IAnalyzer> CreateAnalyzers(MatrixGrokkerOptions options) => [];

    /// <summary>Returns the regulariser and the name actually used (thermal falls back when unavailable).</summary>
    public static (IRegularizer Regularizer, string Name) CreateRegularizer(ExperimentOptions experiment, MatrixGrokkerOptions options) =>
        experiment.Regularizer switch
        {
            _ => (new ConstantWeightDecay(options.Training.WeightDecay), "constant"),
        };
}

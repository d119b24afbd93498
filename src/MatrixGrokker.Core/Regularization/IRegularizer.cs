using MatrixGrokker.Analysis;
using MatrixGrokker.Training;

namespace MatrixGrokker.Regularization;

/// <summary>
/// Adjusts optimisation between the backward pass and the optimizer step, typically by setting
/// <see cref="TrainingContext.WeightDecay"/>. It may observe analyzer reports to steer itself.
/// </summary>
public interface IRegularizer
{
    /// <summary>Short name for logs.</summary>
    string Name { get; }

    /// <summary>Called after backward and before the optimizer step, every step.</summary>
    /// <param name="context">The mutable training context; set <see cref="TrainingContext.WeightDecay"/> here.</param>
    void BeforeOptimizerStep(TrainingContext context);

    /// <summary>Called whenever analyzers have run.</summary>
    /// <param name="report">The new analyzer results.</param>
    void OnMetrics(AnalysisReport report)
    {
    }

    /// <summary>Named state for logs and checkpoints (e.g. current weight decay).</summary>
    IReadOnlyDictionary<string, double> State { get; }

    /// <summary>Restores state captured from <see cref="State"/> (checkpoint resume).</summary>
    /// <param name="state">A dictionary produced by <see cref="State"/>.</param>
    void Restore(IReadOnlyDictionary<string, double> state);
}

using MatrixGrokker.Analysis;
using MatrixGrokker.Transfer;

namespace MatrixGrokker.Training;

/// <summary>
/// Observes and steers a <see cref="Trainer"/>. Every method has a no-op default, so implement only what you need.
/// Act through the <see cref="TrainingContext"/>: <see cref="TrainingContext.RequestStop"/>,
/// <see cref="TrainingContext.SkipStep"/>, <see cref="TrainingContext.LearningRate"/>, <see cref="TrainingContext.WeightDecay"/>.
/// </summary>
public interface ITrainerCallback
{
    /// <summary>
    /// Before the first epoch (also after a resume, with the restored history in the context). A stop requested here
    /// ends training before the first step.
    /// </summary>
    /// <param name="context">Run state.</param>
    void OnTrainBegin(TrainingContext context)
    {
    }

    /// <summary>After the loop ended, for any reason except an exception.</summary>
    /// <param name="context">Run state.</param>
    /// <param name="result">The outcome.</param>
    void OnTrainEnd(TrainingContext context, TrainingResult result)
    {
    }

    /// <summary>At the start of each epoch.</summary>
    /// <param name="context">Run state.</param>
    void OnEpochBegin(TrainingContext context)
    {
    }

    /// <summary>At the end of each epoch, after validation.</summary>
    /// <param name="context">Run state.</param>
    /// <param name="metrics">The epoch's metrics.</param>
    void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
    }

    /// <summary>After backward and the regulariser, before the optimizer applies the update.</summary>
    /// <param name="context">Run state; the learning rate and weight decay set here are the ones applied.</param>
    /// <param name="step">The step.</param>
    void OnBeforeOptimizerStep(TrainingContext context, StepInfo step)
    {
    }

    /// <summary>After each optimizer step.</summary>
    /// <param name="context">Run state.</param>
    /// <param name="step">The step.</param>
    void OnStepEnd(TrainingContext context, StepInfo step)
    {
    }

    /// <summary>After each validation pass.</summary>
    /// <param name="context">Run state.</param>
    /// <param name="result">Validation loss and accuracy.</param>
    void OnValidationEnd(TrainingContext context, EvaluationResult result)
    {
    }

    /// <summary>After the analyzers ran.</summary>
    /// <param name="context">Run state.</param>
    /// <param name="report">Their results.</param>
    void OnMetricsComputed(TrainingContext context, AnalysisReport report)
    {
    }

    /// <summary>After a checkpoint was written.</summary>
    /// <param name="context">Run state.</param>
    /// <param name="checkpoint">What was written.</param>
    void OnCheckpointSaved(TrainingContext context, CheckpointSavedInfo checkpoint)
    {
    }

    /// <summary>
    /// After a periodic save failed and training goes on (<see cref="Options.CheckpointOptions.ContinueOnSaveFailure"/>);
    /// the next save is tried at the next epoch end.
    /// </summary>
    /// <param name="context">Run state.</param>
    /// <param name="exception">What failed, naming the file and the cause.</param>
    void OnCheckpointFailed(TrainingContext context, Checkpoints.CheckpointWriteException exception)
    {
    }

    /// <summary>
    /// When validation accuracy first reaches the generalisation threshold, whether or not training accuracy has
    /// reached its own yet (then <see cref="GrokkingReport.MemorizationEpoch"/> is null: no grokking).
    /// </summary>
    /// <param name="context">Run state.</param>
    /// <param name="report">Memorisation and generalisation epochs.</param>
    void OnGrokkingDetected(TrainingContext context, GrokkingReport report)
    {
    }

    /// <summary>After <see cref="Trainer.EvaluateTransfer"/> scored one transfer strategy at one size.</summary>
    /// <param name="context">Run state.</param>
    /// <param name="result">The score.</param>
    void OnTransferEvaluated(TrainingContext context, TransferResult result)
    {
    }

    /// <summary>
    /// When a step's loss or gradient is NaN or infinite (before its update is applied), after the trainer decided to
    /// stop or to roll back.
    /// </summary>
    /// <param name="context">Run state (already rolled back, for <see cref="DivergenceAction.RolledBack"/>).</param>
    /// <param name="divergence">Where it happened and what was done.</param>
    void OnDivergence(TrainingContext context, DivergenceInfo divergence)
    {
    }

    /// <summary>When the loop throws; the exception is rethrown afterwards.</summary>
    /// <param name="context">Run state.</param>
    /// <param name="exception">What was thrown.</param>
    void OnException(TrainingContext context, Exception exception)
    {
    }
}

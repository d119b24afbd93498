namespace MatrixGrokker.Training;

/// <summary>Everything measured about one epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="GlobalStep">Optimizer steps completed at its end.</param>
/// <param name="TrainLoss">Mean MSE over the epoch's mini-batches (measured before each update).</param>
/// <param name="TrainAccuracy">Share of the epoch's training samples with every output within tolerance (before each update).</param>
/// <param name="ValidationLoss">MSE on the validation set after the epoch.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation set after the epoch.</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
/// <param name="WeightDecay">Weight decay of the epoch's last step.</param>
/// <param name="IterationsPerSecond">Training steps per second in this epoch (validation and analysis excluded).</param>
/// <param name="Elapsed">Wall time since training began.</param>
/// <param name="Analysis">Latest analyzer values (flattened), empty before the first run.</param>
public sealed record EpochMetrics(
    int Epoch,
    long GlobalStep,
    double TrainLoss,
    double TrainAccuracy,
    double ValidationLoss,
    double ValidationAccuracy,
    double LearningRate,
    double WeightDecay,
    double IterationsPerSecond,
    TimeSpan Elapsed,
    IReadOnlyDictionary<string, double> Analysis);

/// <summary>Why training ended.</summary>
public enum StopReason
{
    /// <summary>Train and validation accuracy reached <c>StopAccuracy</c>.</summary>
    Converged,
    /// <summary>The epoch limit was reached.</summary>
    MaxEpochs,
    /// <summary>A callback requested the stop.</summary>
    Requested,
    /// <summary>The cancellation token fired.</summary>
    Cancelled,
    /// <summary>A non-finite loss or gradient stopped training.</summary>
    Diverged,
    /// <summary>A previous run in the same checkpoint folder had already finished; nothing was trained.</summary>
    AlreadyFinished,
}

/// <summary>Memorisation and generalisation epochs as seen by the grokking detector.</summary>
/// <param name="Threshold">Train accuracy that counts as memorised (and, unless <see cref="GeneralizationThreshold"/> says otherwise, validation accuracy that counts as generalised).</param>
/// <param name="MemorizationEpoch">First epoch with train accuracy at or above the threshold, if any.</param>
/// <param name="GeneralizationEpoch">First epoch with validation accuracy at or above the threshold, if any.</param>
public sealed record GrokkingReport(double Threshold, int? MemorizationEpoch, int? GeneralizationEpoch)
{
    /// <summary>
    /// Epochs from memorisation to generalisation, when both happened; negative when validation reached its threshold
    /// first (possible with a lower <see cref="GeneralizationThreshold"/>), which is generalising without grokking.
    /// </summary>
    public int? Gap => MemorizationEpoch is { } m && GeneralizationEpoch is { } g ? g - m : null;

    /// <summary>Validation accuracy that counts as generalised; null means <see cref="Threshold"/>.</summary>
    public double? GeneralizationThreshold { get; init; }
}

/// <summary>Outcome of <see cref="Trainer.Train"/>.</summary>
/// <param name="Reason">Why training ended.</param>
/// <param name="Message">Human-readable reason.</param>
/// <param name="EpochsRun">Epochs completed in total (including any resumed ones).</param>
/// <param name="GlobalSteps">Optimizer steps in total.</param>
/// <param name="Final">Metrics of the last epoch, if any epoch ran.</param>
/// <param name="History">All epochs.</param>
/// <param name="Grokking">Memorisation and generalisation epochs.</param>
/// <param name="WallTime">Wall time of this call.</param>
/// <param name="AverageIterationsPerSecond">Training steps per second over this call (validation and analysis excluded).</param>
public sealed record TrainingResult(
    StopReason Reason,
    string Message,
    int EpochsRun,
    long GlobalSteps,
    EpochMetrics? Final,
    IReadOnlyList<EpochMetrics> History,
    GrokkingReport Grokking,
    TimeSpan WallTime,
    double AverageIterationsPerSecond)
{
    /// <summary>
    /// The analyzers' run at the end of training (after the last epoch record, so <see cref="Final"/> holds the
    /// previous run's values); null without analyzers or when nothing was trained.
    /// </summary>
    public Analysis.AnalysisReport? FinalAnalysis { get; init; }
}

/// <summary>Loss and accuracy of a model on a labelled set.</summary>
/// <param name="Loss">Mean squared error.</param>
/// <param name="Accuracy">Share of samples whose every output is within tolerance.</param>
/// <param name="ElementAccuracy">Share of individual outputs within tolerance.</param>
/// <param name="Samples">Number of samples.</param>
public sealed record EvaluationResult(double Loss, double Accuracy, double ElementAccuracy, int Samples);

/// <summary>One optimizer step as seen by callbacks; valid only during the callback.</summary>
public sealed class StepInfo
{
    internal TorchSharp.torch.Tensor? LossTensor { get; set; }

    /// <summary>1-based index of the batch inside its epoch.</summary>
    public int BatchIndex { get; internal set; }

    /// <summary>Samples in this batch.</summary>
    public int BatchSize { get; internal set; }

    /// <summary>The batch loss (reading it synchronises with the device).</summary>
    public double Loss => LossTensor switch
    {
        null => double.NaN,
        { dtype: TorchSharp.torch.ScalarType.Float64 } t => t.item<double>(),
        var t => t.item<float>(),
    };
}

/// <summary>A checkpoint written during training.</summary>
/// <param name="Path">Where it was written.</param>
/// <param name="GlobalStep">Step it captures.</param>
/// <param name="Epoch">Epoch it captures.</param>
/// <param name="Bytes">Size on disk.</param>
/// <param name="Duration">Time taken to write it.</param>
public sealed record CheckpointSavedInfo(string Path, long GlobalStep, int Epoch, long Bytes, TimeSpan Duration);

/// <summary>Progress snapshot for displays, reported once per epoch.</summary>
/// <param name="Epoch">Epoch just completed.</param>
/// <param name="TotalEpochs">Epoch limit.</param>
/// <param name="Metrics">That epoch's metrics.</param>
/// <param name="EstimatedRemaining">Time left if every remaining epoch runs.</param>
public sealed record TrainingProgress(int Epoch, int TotalEpochs, EpochMetrics Metrics, TimeSpan EstimatedRemaining);

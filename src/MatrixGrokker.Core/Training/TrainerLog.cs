using Microsoft.Extensions.Logging;

namespace MatrixGrokker.Training;

internal static partial class TrainerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Training {Parameters} parameters on {TrainCount} samples ({StepsPerEpoch} steps/epoch, up to {Epochs} epochs)")]
    public static partial void TrainingStarted(ILogger logger, long parameters, int trainCount, int stepsPerEpoch, int epochs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Epoch {Epoch}: train loss {TrainLoss:G4} acc {TrainAccuracy:P2}, val loss {ValidationLoss:G4} acc {ValidationAccuracy:P2}, wd {WeightDecay:G3}, {IterationsPerSecond:F0} it/s")]
    public static partial void EpochCompleted(ILogger logger, int epoch, double trainLoss, double trainAccuracy, double validationLoss, double validationAccuracy, double weightDecay, double iterationsPerSecond);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Training ended ({Reason}): {Message}; {Epochs} epochs, {Steps} steps in {WallTime}")]
    public static partial void TrainingEnded(ILogger logger, StopReason reason, string message, int epochs, long steps, TimeSpan wallTime);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Grokking detector: memorised at epoch {Memorized}, generalised at epoch {Generalized} (gap {Gap} epochs)")]
    public static partial void GrokkingDetected(ILogger logger, int? memorized, int generalized, int? gap);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Analyzers at step {Step} ({Trigger}) took {Milliseconds:F2} ms")]
    public static partial void AnalyzersRan(ILogger logger, long step, Analysis.AnalysisTrigger trigger, double milliseconds);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Training failed at epoch {Epoch}, step {Step}")]
    public static partial void TrainingFailed(ILogger logger, Exception exception, int epoch, long step);
}

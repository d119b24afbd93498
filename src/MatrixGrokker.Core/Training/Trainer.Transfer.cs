using MatrixGrokker.Models;
using MatrixGrokker.Transfer;
using Microsoft.Extensions.Logging;

namespace MatrixGrokker.Training;

/// <content>Zero-shot transfer evaluation of the trained model, reported to the callbacks.</content>
public sealed partial class Trainer
{
    /// <summary>
    /// Scores <paramref name="strategies"/> (built around this trainer's model) and raises
    /// <see cref="ITrainerCallback.OnTransferEvaluated"/> for every result.
    /// </summary>
    /// <param name="strategies">Strategies to score.</param>
    /// <param name="evaluator">Sizes, samples and tolerance; default from the run's options.</param>
    /// <param name="cancellationToken">Stops between results.</param>
    public TransferReport EvaluateTransfer(IEnumerable<ITransferStrategy> strategies, TransferEvaluator? evaluator = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        evaluator ??= TransferEvaluator.FromOptions(_options);
        using var evalMode = new EvalModeScope(_model.Module);
        return evaluator.Evaluate(
            strategies,
            result =>
            {
                TrainerLog.TransferEvaluated(_logger, result.Strategy, result.Size, result.Accuracy, result.RelativeError);
                Notify((c, x) => c.OnTransferEvaluated(x, result), Context);
            },
            cancellationToken);
    }
}

/// <content>Transfer log messages (kept beside their only caller).</content>
internal static partial class TrainerLog
{
    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "Transfer {Strategy} at {Size}×{Size}: accuracy {Accuracy:P2}, relative error {RelativeError:G3}")]
    public static partial void TransferEvaluated(ILogger logger, string strategy, int size, double accuracy, double relativeError);
}

using System.Diagnostics;
using System.Globalization;
using MatrixGrokker.Training;

namespace MatrixGrokker.Experiment;

/// <summary>
/// "Stop at grok": once the grokking detector reports generalisation, train <c>patience</c> more epochs and stop.
/// Optionally also stops when the training wall-clock budget is spent.
/// </summary>
internal sealed class StopRules(bool stopAtGrok, int patienceEpochs, TimeSpan budget) : ITrainerCallback
{
    private readonly Stopwatch _clock = new();
    private int? _generalizedAt;

    public void OnTrainBegin(TrainingContext context)
    {
        _clock.Start();

        // A resumed run's detector replays the restored history without raising the event: recover the epoch here,
        // and stop before the first step if the rule was already met (a rerun of a stopped run trains nothing).
        var training = context.Options.Training;
        var threshold = training.GeneralizationThreshold ?? training.GrokThreshold;
        _generalizedAt ??= context.History.FirstOrDefault(h => h.ValidationAccuracy >= threshold)?.Epoch;
        if (context.History.Count > 0 && DueToStop(context.History[^1].Epoch) is { } reason)
        {
            context.RequestStop(reason);
        }
    }

    public void OnGrokkingDetected(TrainingContext context, GrokkingReport report) => _generalizedAt = context.Epoch;

    public void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        if (DueToStop(metrics.Epoch) is { } reason)
        {
            context.RequestStop(reason);
        }
        else if (budget > TimeSpan.Zero && _clock.Elapsed >= budget)
        {
            context.RequestStop(string.Create(CultureInfo.InvariantCulture, $"training time budget of {budget} spent"));
        }
    }

    private string? DueToStop(int epoch) => stopAtGrok && _generalizedAt is { } g && epoch >= g + patienceEpochs
        ? string.Create(CultureInfo.InvariantCulture,
            $"generalised at epoch {g} (validation accuracy ≥ the detector's threshold); stopped after {patienceEpochs} more epochs")
        : null;
}

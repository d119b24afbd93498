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

    public void OnTrainBegin(TrainingContext context) => _clock.Start();

    public void OnGrokkingDetected(TrainingContext context, GrokkingReport report) => _generalizedAt = context.Epoch;

    public void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        if (stopAtGrok && _generalizedAt is { } g && metrics.Epoch >= g + patienceEpochs)
        {
            context.RequestStop(string.Create(CultureInfo.InvariantCulture,
                $"generalised at epoch {g} (validation accuracy ≥ the detector's threshold); stopped after {patienceEpochs} more epochs"));
        }
        else if (budget > TimeSpan.Zero && _clock.Elapsed >= budget)
        {
            context.RequestStop(string.Create(CultureInfo.InvariantCulture, $"training time budget of {budget} spent"));
        }
    }
}

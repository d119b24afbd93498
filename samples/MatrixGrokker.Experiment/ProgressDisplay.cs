using System.Globalization;
using MatrixGrokker.Training;

namespace MatrixGrokker.Experiment;

/// <summary>
/// Live training progress: a redrawn one-line bar on an interactive terminal, plain lines every N epochs when the
/// output is redirected (logs, CI).
/// </summary>
internal sealed class ProgressDisplay(TextWriter output, bool interactive, int everyEpochs) : IProgress<TrainingProgress>
{
    private const int BarWidth = 20;
    private int _lastLength;

    public void Report(TrainingProgress value)
    {
        var m = EpochRow.From(value.Metrics);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"epoch {value.Epoch}/{value.TotalEpochs} loss {m.TrainLoss:G3}/{m.ValidationLoss:G3} acc {m.TrainAccuracy:P1}/{m.ValidationAccuracy:P1} " +
            $"LC {Show(m.LocalComplexity)} SP {Show(m.Superposition)} WD {m.WeightDecay:G3} {m.IterationsPerSecond:F0} it/s ETA {Eta(value.EstimatedRemaining)}");
        if (interactive)
        {
            var filled = (int)Math.Round(BarWidth * (double)value.Epoch / Math.Max(1, value.TotalEpochs));
            var line = $"[{new string('#', filled)}{new string('-', BarWidth - filled)}] {text}";
            output.Write('\r' + line.PadRight(_lastLength));
            _lastLength = line.Length;
        }
        else if (value.Epoch % everyEpochs == 0 || value.Epoch == 1)
        {
            output.WriteLine(text);
        }
    }

    public void Finish()
    {
        if (interactive && _lastLength > 0)
        {
            output.WriteLine();
            _lastLength = 0;
        }
    }

    private static string Show(double? v) => v is { } d ? d.ToString("F3", CultureInfo.InvariantCulture) : "-";

    private static string Eta(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}

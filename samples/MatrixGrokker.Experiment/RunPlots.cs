using System.Globalization;
using MatrixGrokker.Transfer;
using ScottPlot;

namespace MatrixGrokker.Experiment;

/// <summary>PNG plots of a run (ScottPlot renders through SkiaSharp's bundled native library; no system packages).</summary>
internal static class RunPlots
{
    private const int Width = 720;
    private const int Height = 420;

    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<EpochRow> rows, IReadOnlyList<TransferResult> transfers)
    {
        var written = new List<string>();
        if (rows.Count > 0)
        {
            var logEpochs = rows[^1].Epoch >= 100;
            written.Add(Curves(folder, "loss.png", "MSE loss", rows, logEpochs, logY: true,
                ("train", r => r.TrainLoss), ("validation", r => r.ValidationLoss)));
            written.Add(Curves(folder, "accuracy.png", "Accuracy (all outputs within tolerance)", rows, logEpochs, logY: false,
                ("train", r => r.TrainAccuracy), ("validation", r => r.ValidationAccuracy)));
            written.Add(Curves(folder, "dynamics.png", "LC, SP (left) and weight decay (right)", rows, logEpochs, logY: false,
                ("LC", r => r.LocalComplexity ?? double.NaN), ("SP", r => r.Superposition ?? double.NaN), ("WD (right axis)", r => r.WeightDecay)));
        }

        if (transfers.Count > 0)
        {
            written.Add(Transfer(folder, "transfer_accuracy.png", "Zero-shot transfer accuracy", transfers, r => r.Accuracy, logY: false));
            written.Add(Transfer(folder, "transfer_error.png", "Relative Frobenius error ‖Ĉ−C‖/‖C‖", transfers, r => r.RelativeError, logY: true));
        }

        return written;
    }

    private static string Curves(string folder, string file, string title, IReadOnlyList<EpochRow> rows, bool logX, bool logY, params (string Label, Func<EpochRow, double> Value)[] series)
    {
        using var plot = new Plot();
        foreach (var (label, value) in series)
        {
            var points = rows.Select(r => (X: (double)r.Epoch, Y: value(r)))
                .Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0)).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var xs = points.Select(p => logX ? Math.Log10(p.X) : p.X).ToArray();
            var ys = points.Select(p => logY ? Math.Log10(p.Y) : p.Y).ToArray();
            var scatter = plot.Add.ScatterLine(xs, ys);
            scatter.LegendText = label;
            scatter.LineWidth = 2;

            // Weight decay is orders of magnitude below LC and SP; it gets its own axis.
            if (label.Contains("right axis", StringComparison.Ordinal))
            {
                scatter.Axes.YAxis = plot.Axes.Right;
                plot.Axes.Right.Label.Text = "weight decay";
            }
        }

        if (logX)
        {
            plot.Axes.Bottom.TickGenerator = LogTicks();
        }

        if (logY)
        {
            plot.Axes.Left.TickGenerator = LogTicks();
        }

        plot.Title(title);
        plot.XLabel(logX ? "epoch (log scale)" : "epoch");
        plot.ShowLegend();
        return Save(plot, folder, file);
    }

    private static string Transfer(string folder, string file, string title, IReadOnlyList<TransferResult> transfers, Func<TransferResult, double> value, bool logY)
    {
        using var plot = new Plot();
        foreach (var group in transfers.GroupBy(t => t.Strategy))
        {
            var points = group.OrderBy(t => t.Size).Select(t => (X: (double)t.Size, Y: value(t)))
                .Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0)).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var scatter = plot.Add.Scatter(points.Select(p => Math.Log2(p.X)).ToArray(), points.Select(p => logY ? Math.Log10(p.Y) : p.Y).ToArray());
            scatter.LegendText = group.Key;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 8;
        }

        var sizes = transfers.Select(t => t.Size).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            sizes.Select(s => Math.Log2(s)).ToArray(), sizes.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s}×{s}")).ToArray());
        if (logY)
        {
            plot.Axes.Left.TickGenerator = LogTicks();
        }
        else
        {
            plot.Axes.SetLimitsY(-0.05, 1.05);
        }

        plot.Title(title);
        plot.XLabel("matrix size");
        plot.ShowLegend();
        return Save(plot, folder, file);
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => v >= 0
            ? Math.Pow(10, v).ToString("0", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"1e{v:0}"),
    };

    private static string Save(Plot plot, string folder, string file)
    {
        var path = Path.Combine(folder, file);
        plot.SavePng(path, Width, Height);
        return path;
    }
}

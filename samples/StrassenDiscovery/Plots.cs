using MatrixGrokker.Strassen;

namespace StrassenDiscoverySample;

/// <summary>Loss and δ curves of each seed's final attempt, one line per seed.</summary>
internal static class Plots
{
    public static IEnumerable<string> Write(string dir, IReadOnlyList<DiscoveryResult> results)
    {
        yield return Draw(Path.Combine(dir, "loss-curves.png"), results, "Objective (loss + penalties), final attempt per seed", "log10 loss", t => Math.Log10(Math.Max(t.Loss, 1e-16)));
        yield return Draw(Path.Combine(dir, "residual-curves.png"), results, "Tensor residual Σ(P − T)², final attempt per seed", "log10 residual", t => Math.Log10(Math.Max(t.Residual, 1e-16)));
        yield return Draw(Path.Combine(dir, "delta-curves.png"), results, "δ = max|θ − round θ| over training", "δ", t => t.Delta);
    }

    private static string Draw(string path, IReadOnlyList<DiscoveryResult> results, string title, string yLabel, Func<DiscoveryTracePoint, double> y)
    {
        var plot = new ScottPlot.Plot();
        foreach (var r in results)
        {
            var trace = r.FinalAttempt.Trace;
            var line = plot.Add.Scatter(trace.Select(t => (double)t.Step).ToArray(), trace.Select(y).ToArray());
            line.MarkerSize = 0;
            line.LegendText = $"seed {r.Seed}{(r.Verified ? string.Empty : " (failed)")}";
        }

        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(yLabel);
        if (results.Count <= 20)
        {
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        }

        plot.SavePng(path, 1000, 650);
        return path;
    }
}

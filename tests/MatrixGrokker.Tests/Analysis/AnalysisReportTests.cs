using MatrixGrokker.Analysis;

namespace MatrixGrokker.Tests.Analysis;

public class AnalysisReportTests
{
    private static AnalysisReport Report(double lc, double sp) => new(200, 4, AnalysisTrigger.Interval,
    [
        new AnalyzerResult("lc", lc, new Dictionary<string, double> { ["hidden0"] = lc / 2, ["hidden1"] = lc * 2 }, new Dictionary<string, double> { ["probe"] = 100 }, TimeSpan.Zero),
        new AnalyzerResult("sp", sp, new Dictionary<string, double> { ["layers.0.weight"] = sp + 1 }, new Dictionary<string, double>(), TimeSpan.Zero),
    ]);

    [Fact]
    public void Flatten_names_every_value_by_analyzer_layer_and_extra_in_order()
    {
        var flat = Report(0.25, 0.5).Flatten();

        Assert.Equal(["lc", "lc.hidden0", "lc.hidden1", "lc.probe", "sp", "sp.layers.0.weight"], flat.Keys);
        Assert.Equal([0.25, 0.125, 0.5, 100, 0.5, 1.5], flat.Values);
        Assert.Equal(0.5, flat["lc.hidden1"]);
        Assert.True(flat.TryGetValue("sp.layers.0.weight", out var w) && w == 1.5);
        Assert.False(flat.ContainsKey("sp.layers.1.weight"));
        Assert.Equal("No analysis value named 'nope'.", Assert.Throws<KeyNotFoundException>(() => flat["nope"]).Message);
    }

    [Fact]
    public void Flattened_reports_share_their_key_strings()
    {
        // Thousands of epochs keep these in the history; the keys must not be rebuilt per report.
        var a = Report(0.1, 0.2).Flatten().Keys.ToArray();
        var b = Report(0.3, 0.4).Flatten().Keys.ToArray();
        Assert.All(a.Zip(b), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void A_later_value_with_the_same_key_wins()
    {
        var report = new AnalysisReport(1, 1, AnalysisTrigger.Manual,
        [
            new AnalyzerResult("x", 1, new Dictionary<string, double> { ["a"] = 2 }, new Dictionary<string, double> { ["a"] = 3 }, TimeSpan.Zero),
        ]);
        var flat = report.Flatten();
        Assert.Equal(2, flat.Count);
        Assert.Equal(3, flat["x.a"]);
    }
}

using MatrixGrokker.Analysis;
using MatrixGrokker.Data;
using MatrixGrokker.Metrics;
using MatrixGrokker.Models;
using MatrixGrokker.Training;
using MatrixGrokker.Training.Optimization;

namespace MatrixGrokker.Tests.Metrics;

[Collection(GlobalRngCollection.Name)]
public class ThermalEngineTests
{
    private static readonly ThermalEngineOptions Defaults = new();

    [Fact]
    public void On_target_the_base_weight_decay_is_applied()
    {
        var reading = ThermalEngine.Evaluate(Defaults, 0.01, lc: 1, sp: 0);
        Assert.Equal(0.01, reading.WeightDecay, 1e-15);
        Assert.Equal(0.0, reading.Deviation);
        Assert.Equal(100.0, reading.Progress);
    }

    [Fact]
    public void Furthest_from_target_gives_base_times_2_2()
    {
        var reading = ThermalEngine.Evaluate(Defaults, 0.01, lc: 0, sp: 1);
        Assert.Equal(0.6, reading.Deviation, 1e-12);
        Assert.Equal(0.022, reading.WeightDecay, 1e-12);
        Assert.Equal(0.0, reading.Progress);
    }

    [Theory]
    [InlineData(0.5, 0.5, 50.0)]
    [InlineData(0.9, 0.3, 80.0)]
    public void Progress_is_the_mean_of_the_lc_and_sp_halves(double lc, double sp, double expected) =>
        Assert.Equal(expected, ThermalEngine.Evaluate(Defaults, 0.01, lc, sp).Progress, 1e-9);

    [Fact]
    public void Clip_bounds_hold()
    {
        var options = new ThermalEngineOptions { Gain = 100, MaxFactor = 3, MinFactor = 0.5 };
        Assert.Equal(0.03, ThermalEngine.Evaluate(options, 0.01, lc: 0, sp: 1).WeightDecay, 1e-12);
        var shrinking = new ThermalEngineOptions { MinFactor = 2, MaxFactor = 4 };
        Assert.Equal(0.02, ThermalEngine.Evaluate(shrinking, 0.01, lc: 1, sp: 0).WeightDecay, 1e-12);
        for (var lc = 0.0; lc <= 1; lc += 0.25)
        {
            for (var sp = 0.0; sp <= 1; sp += 0.25)
            {
                Assert.InRange(ThermalEngine.Evaluate(options, 0.01, lc, sp).WeightDecay, 0.005, 0.03);
            }
        }
    }

    [Fact]
    public void Invalid_options_are_rejected_by_the_generated_validator()
    {
        var result = new ThermalEngineOptionsValidator().Validate(null, new ThermalEngineOptions { MinFactor = 6, TargetLc = 0, LcAnalyzer = "" });
        Assert.True(result.Failed);
        Assert.Contains("MinFactor", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("TargetLc", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("LcAnalyzer", result.FailureMessage, StringComparison.Ordinal);
        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new ThermalEngine(new ThermalEngineOptions { Gain = -1 }));
    }

    [Fact]
    public void A_report_without_the_named_analyzer_is_an_error_naming_it()
    {
        var engine = new ThermalEngine();
        var report = new AnalysisReport(1, 1, AnalysisTrigger.Manual,
            [new AnalyzerResult("sp", 0.5, new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero)]);
        var ex = Assert.Throws<InvalidOperationException>(() => engine.OnMetrics(report));
        Assert.Contains("'lc'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_outside_0_1_such_as_a_region_count_is_an_error_naming_the_analyzer()
    {
        var engine = new ThermalEngine(new ThermalEngineOptions { LcAnalyzer = "lc_region" });
        var report = new AnalysisReport(200, 3, AnalysisTrigger.Interval,
        [
            new AnalyzerResult("lc_region", 17.3, new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero),
            new AnalyzerResult("sp", 0.5, new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero),
        ]);
        var ex = Assert.Throws<InvalidOperationException>(() => engine.OnMetrics(report));
        Assert.Contains("'lc_region' reported 17.3 at step 200", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void State_round_trips_through_restore()
    {
        var engine = new ThermalEngine(new ThermalEngineOptions { BaseWeightDecay = 0.02 });
        engine.OnMetrics(new AnalysisReport(5, 1, AnalysisTrigger.Interval,
        [
            new AnalyzerResult("lc", 0.4, new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero),
            new AnalyzerResult("sp", 0.7, new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero),
        ]));
        var expected = ThermalEngine.Evaluate(engine.Options, 0.02, 0.4, 0.7);
        Assert.Equal(expected, engine.Latest);

        var restored = new ThermalEngine(new ThermalEngineOptions());
        restored.Restore(engine.State);
        Assert.Equal(expected, restored.Latest);
        Assert.Equal(engine.State, restored.State);
    }

    private sealed class DecayProbe(AnalysisReportSink sink) : ITrainerCallback
    {
        public FusedAdamW? Optimizer { get; set; }
        public List<(long Step, double GroupDecay, AnalysisReport? Latest)> Seen { get; } = [];

        public void OnStepEnd(TrainingContext context, StepInfo step)
        {
            // The decay the optimizer's last step applied (the trainer's FusedAdamW has a single decay).
            Seen.Add((context.GlobalStep, Optimizer!.AppliedWeightDecay, sink.Latest));
            if (context.GlobalStep == 12)
            {
                context.RequestStop("enough");
            }
        }
    }

    private sealed class AnalysisReportSink : ITrainerCallback
    {
        public AnalysisReport? Latest { get; private set; }
        public void OnMetricsComputed(TrainingContext context, AnalysisReport report) => Latest = report;
    }

    [Fact]
    public void Inside_the_trainer_the_engine_sets_the_adamw_param_groups_from_the_latest_report()
    {
        var options = TestOptions.Small(epochs: 2);
        options.Metrics.IntervalSteps = 5;
        options.Training.WeightDecay = 0.01;
        using var data = new MatrixMultiplicationDataset(options.Data, 2, 1);
        using var model = new MlpModel(options.Model, 1);
        var engine = new ThermalEngine();
        var sink = new AnalysisReportSink();
        var probe = new DecayProbe(sink);
        using var trainer = new Trainer(model, data, options, engine,
            [new LocalComplexityAnalyzer(), new SuperpositionAnalyzer()], [sink, probe]);
        probe.Optimizer = trainer.Optimizer;
        trainer.Train();

        Assert.Equal(12, probe.Seen.Count);
        // Steps 1–5 run before the first report (after step 5): base decay.
        Assert.All(probe.Seen.Take(5), s => Assert.Equal(0.01, s.GroupDecay));
        foreach (var (step, decay, report) in probe.Seen.Skip(5))
        {
            // The decay applied at a step comes from the latest report before it: after step 5, then after step 10.
            Assert.Equal(step <= 10 ? 5 : 10, report!.GlobalStep);
            var expected = ThermalEngine.Evaluate(engine.Options, 0.01, report.Get("lc")!.Value, report.Get("sp")!.Value).WeightDecay;
            Assert.Equal(expected, decay, 1e-12);
            Assert.True(decay > 0.0101, $"step {step}: the rule must have raised the decay above base (got {decay})");
        }

        Assert.Equal(engine.CurrentWeightDecay, probe.Seen[^1].GroupDecay);
        Assert.NotNull(engine.Progress);
    }
}

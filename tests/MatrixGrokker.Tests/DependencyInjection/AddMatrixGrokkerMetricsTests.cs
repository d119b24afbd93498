using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using MatrixGrokker.Options;
using MatrixGrokker.Regularization;
using MatrixGrokker.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.DependencyInjection;

public class AddMatrixGrokkerMetricsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) => DiConfig.Of(values);

    private static readonly (string, string)[] Tiny = [.. DiConfig.Tiny, ("Metrics:RunAtEpochEnd", "true"), ("Metrics:ProbeSize", "20")];

    [Fact]
    public void One_call_registers_core_options_analyzers_and_the_configured_svd_backend()
    {
        var config = Config(("Model:HiddenDim", "32"), ("Analyzers:Superposition:TopK", "2"),
            ("Analyzers:Superposition:Backend", "MathNet"), ("Analyzers:RegionComplexity:Vertices", "6"), ("ThermalEngine:Gain", "3"));
        using var provider = new ServiceCollection().AddMatrixGrokkerMetrics(config).BuildServiceProvider();

        Assert.Equal(32, provider.GetRequiredService<IOptions<MatrixGrokkerOptions>>().Value.Model.HiddenDim);
        Assert.NotNull(provider.GetRequiredService<ITrainerFactory>());
        var analyzers = provider.GetServices<IAnalyzer>().ToList();
        Assert.Equal(["lc", "lc_region", "sp"], analyzers.Select(a => a.Name));
        var sp = Assert.IsType<SuperpositionAnalyzer>(analyzers[2]);
        Assert.Equal(2, sp.Options.TopK);
        Assert.IsType<MathNetSvdBackend>(sp.Backend);
        Assert.Same(provider.GetRequiredService<ISvdBackend>(), sp.Backend);
        Assert.Equal(6, Assert.IsType<RegionComplexityAnalyzer>(analyzers[1]).Options.Vertices);
        Assert.Equal(3, provider.GetRequiredService<ThermalEngine>().Options.Gain);
        Assert.Null(provider.GetService<IRegularizer>());
    }

    [Fact]
    public void Repeat_calls_in_any_order_register_nothing_twice()
    {
        var config = Config();
        var services = new ServiceCollection().AddMatrixGrokkerMetrics(config);
        var count = services.Count;
        services.AddMatrixGrokker(config).AddMatrixGrokkerMetrics(config).AddMatrixGrokkerMetrics(config);
        Assert.Equal(count, services.Count);

        services.AddMatrixGrokkerThermalEngine(config).AddMatrixGrokkerThermalEngine(config);
        Assert.Equal(count + 1, services.Count);
        using var provider = services.BuildServiceProvider();
        Assert.Equal(3, provider.GetServices<IAnalyzer>().Count());
    }

    [Fact]
    public void A_backend_registered_first_is_kept()
    {
        var mine = new MathNetSvdBackend();
        var services = new ServiceCollection().AddSingleton<ISvdBackend>(mine).AddMatrixGrokkerMetrics(Config());
        using var provider = services.BuildServiceProvider();

        Assert.Same(mine, provider.GetServices<IAnalyzer>().OfType<SuperpositionAnalyzer>().Single().Backend);
    }

    [Fact]
    public void Metrics_sections_pass_the_core_unknown_key_check_but_their_own_typos_do_not()
    {
        using var good = new ServiceCollection().AddMatrixGrokkerMetrics(Config(("Analyzers:LocalComplexity:Epsilon", "1e-6"))).BuildServiceProvider();
        Assert.Equal(1e-6, good.GetRequiredService<IOptions<MetricsAnalyzerOptions>>().Value.LocalComplexity.Epsilon);
        Assert.Equal(256, good.GetRequiredService<IOptions<MatrixGrokkerOptions>>().Value.Model.HiddenDim);

        using var typo = new ServiceCollection().AddMatrixGrokkerMetrics(Config(("Analyzers:Superposition:TopKay", "2"))).BuildServiceProvider();
        var ex = Assert.Throws<InvalidOperationException>(() => typo.GetRequiredService<IOptions<MetricsAnalyzerOptions>>().Value);
        Assert.Contains("TopKay", ex.Message, StringComparison.Ordinal);

        // Without the metrics registration the core binder does not know the section and says where to look.
        using var coreOnly = new ServiceCollection().AddMatrixGrokker(Config(("Analyzers:Superposition:TopK", "2"))).BuildServiceProvider();
        ex = Assert.Throws<InvalidOperationException>(() => coreOnly.GetRequiredService<IOptions<MatrixGrokkerOptions>>().Value);
        Assert.Contains("MatrixGrokker:Analyzers", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddMatrixGrokkerMetrics", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Analyzers:Superposition:TopK", "0", "TopK")]
    [InlineData("ThermalEngine:TargetLc", "0", "TargetLc")]
    [InlineData("Data:ValidationRatio", "0.0001", "need a probe of at least 2 validation rows")]
    public async Task Invalid_metrics_configuration_fails_the_host_at_start(string key, string value, string field)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(Config((key, value)));
        builder.Services.AddMatrixGrokkerMetrics(builder.Configuration);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sessions_run_the_registered_analyzers_and_each_gets_its_own_thermal_engine()
    {
        using var provider = new ServiceCollection().AddMatrixGrokkerThermalEngine(Config(Tiny)).BuildServiceProvider();
        var factory = provider.GetRequiredService<ITrainerFactory>();

        using var first = factory.Create();
        using var second = factory.Create();
        var engine = Assert.IsType<ThermalEngine>(first.Trainer.Regularizer);
        Assert.NotSame(engine, second.Trainer.Regularizer);

        var result = first.Train();
        var analysis = result.Final!.Analysis;
        Assert.All(["lc", "lc_region", "sp", "sp.effective_rank"], key => Assert.True(analysis.ContainsKey(key), key));
        Assert.InRange(analysis["lc"], 0.0, 1.0);

        // The engine acted: epoch 1's end-of-epoch report set weight decay = base × factor for every step of epoch 2.
        var epoch1 = result.History[0].Analysis;
        var expected = ThermalEngine.Evaluate(engine.Options, 0.01, epoch1["lc"], epoch1["sp"]).WeightDecay;
        Assert.Equal(0.01, engine.BaseWeightDecay);
        Assert.NotEqual(0.01, expected);
        Assert.Equal(expected, result.Final.WeightDecay, 12);
        Assert.Equal(expected, engine.CurrentWeightDecay, 12);
    }

    [Fact]
    public void Analyzers_from_the_container_also_serve_a_hand_written_module()
    {
        using var provider = new ServiceCollection().AddMatrixGrokkerMetrics(Config()).BuildServiceProvider();
        var analyzers = provider.GetServices<IAnalyzer>().ToList();
        using var scope = NewDisposeScope();
        using var net = nn.Sequential(("fc1", nn.Linear(8, 16)), ("act1", nn.ReLU()), ("fc2", nn.Linear(16, 4)));
        var probe = rand(30, 8);

        var report = AnalyzerRunner.Run(analyzers, new AnalysisInput(net, probe));

        Assert.Equal(["lc", "lc_region", "sp"], report.Results.Select(r => r.Name));
        Assert.All(report.Results, r => Assert.True(double.IsFinite(r.Value), r.Name));
        Assert.Single(report.Results[0].PerLayer);
        Assert.Equal(2, report.Results[2].PerLayer.Count);
    }
}

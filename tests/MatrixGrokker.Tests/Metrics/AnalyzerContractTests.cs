using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Metrics;

[Collection(GlobalRngCollection.Name)]
public class AnalyzerContractTests
{
    private static IAnalyzer[] All() =>
    [
        new LocalComplexityAnalyzer(),
        new RegionComplexityAnalyzer(),
        new SuperpositionAnalyzer(),
        new SuperpositionAnalyzer(backend: new MathNetSvdBackend()),
    ];

    [Fact]
    public void Analyzers_change_neither_parameters_nor_training_mode_nor_the_global_generator()
    {
        using var model = new MlpModel(2, 32, 3, ActivationKind.Relu, seed: 4);
        using var scope = NewDisposeScope();
        var probe = rand(25, 8, generator: new TorchSharp.torch.Generator(2)).mul(2).sub(1);
        var before = model.parameters().Select(p => p.detach().clone()).ToArray();
        model.train();

        random.manual_seed(77);
        foreach (var analyzer in All())
        {
            analyzer.Analyze(AnalysisInput.For(model, probe));
        }

        var drawn = rand(5).data<float>().ToArray();
        random.manual_seed(77);
        Assert.Equal(rand(5).data<float>().ToArray(), drawn);
        Assert.True(model.training);
        var after = model.parameters().ToArray();
        Assert.Equal(before.Length, after.Length);
        for (var i = 0; i < before.Length; i++)
        {
            Assert.True(before[i].Equals(after[i]), $"parameter {i} changed");
        }
    }

    [Fact]
    public void Analyzers_work_on_a_plain_sequential_module_and_match_the_model_path()
    {
        // The same weights as an IModel and as a plain Sequential must give the same values.
        using var model = new MlpModel(2, 24, 3, ActivationKind.Tanh, seed: 6);
        using var scope = NewDisposeScope();
        using var sequential = nn.Sequential(nn.Linear(8, 24), nn.Tanh(), nn.Linear(24, 24), nn.Tanh(), nn.Linear(24, 4));
        using (no_grad())
        {
            var source = model.parameters().ToArray();
            var target = sequential.parameters().ToArray();
            for (var i = 0; i < source.Length; i++)
            {
                target[i].copy_(source[i]);
            }
        }

        var probe = rand(30, 8, generator: new TorchSharp.torch.Generator(3)).mul(2).sub(1);
        var viaModel = AnalyzerRunner.Run(All(), model, probe).Flatten();
        var viaModule = AnalyzerRunner.Run(All(), new AnalysisInput(sequential, probe)).Flatten();

        foreach (var key in new[] { "lc", "lc.hidden.0", "lc.hidden.1", "lc_region", "lc_region.hidden.1", "sp", "sp.effective_rank", "sp.weight_norm" })
        {
            Assert.Equal(viaModel[key], viaModule[key], 1e-6);
        }

        Assert.True(viaModule["lc_region"] > 0);
        Assert.InRange(viaModule["lc"], 0, 1);
        Assert.Equal(["0.weight", "2.weight", "4.weight"], viaModule.Keys.Where(k => k.StartsWith("sp.", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal) && !k.Contains("effective", StringComparison.Ordinal)).Select(k => k[3..]).ToArray());
    }
}

[Collection(GlobalRngCollection.Name)]
public class MetricsAnalyzersFactoryTests
{
    [Fact]
    public void Options_select_the_analyzers_settings_and_svd_backend()
    {
        var options = new MetricsAnalyzerOptions();
        options.Superposition.Backend = SvdBackendKind.MathNet;
        options.Superposition.TopK = 2;
        options.RegionComplexity.Radius = 0.1;
        var analyzers = MetricsAnalyzers.Create(options);
        Assert.Equal(["lc", "lc_region", "sp"], analyzers.Select(a => a.Name).ToArray());
        var sp = Assert.IsType<SuperpositionAnalyzer>(analyzers[2]);
        Assert.IsType<MathNetSvdBackend>(sp.Backend);
        Assert.Equal(2, sp.Options.TopK);
        Assert.Equal(0.1, Assert.IsType<RegionComplexityAnalyzer>(analyzers[1]).Options.Radius);
    }

    [Fact]
    public void Invalid_nested_options_are_reported_with_their_field()
    {
        var options = new MetricsAnalyzerOptions();
        options.Superposition.TopK = 0;
        options.RegionComplexity.Radius = -1;
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => MetricsAnalyzers.Create(options));
        Assert.Contains("TopK", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Radius", ex.Message, StringComparison.Ordinal);
    }
}

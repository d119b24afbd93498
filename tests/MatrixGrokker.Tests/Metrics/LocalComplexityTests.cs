using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Metrics;

[Collection(GlobalRngCollection.Name)]
public class LocalComplexityTests
{
    [Fact]
    public void A_custom_hidden_layer_the_model_lacks_is_refused_when_the_trainer_is_built_not_at_step_200()
    {
        var options = TestOptions.Small(samples: 500, epochs: 1);
        using var data = new MatrixGrokker.Data.MatrixMultiplicationDataset(options.Data, 2, 1);
        using var model = new MatrixGrokker.Models.MlpModel(options.Model, 1); // 3 Linear layers: hidden 0 and 1
        var analyzer = new LocalComplexityAnalyzer(new LocalComplexityOptions { Layers = LayerSelection.Custom, HiddenLayers = [1, 5] });

        var ex = Assert.Throws<ArgumentException>(() => new MatrixGrokker.Training.Trainer(model, data, options, analyzers: [analyzer]));

        Assert.Contains("hidden layer(s) 5, but the model has 2", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, model.LiveRecorders);
    }

    [Fact]
    public void Identical_rows_give_zero()
    {
        using var scope = NewDisposeScope();
        var row = tensor(new float[] { 0.3f, -1.2f, 2.0f, 0.7f });
        var rows = row.unsqueeze(0).repeat(6, 1);
        Assert.Equal(1.0, LocalComplexity.MeanCosine(rows), 1e-9);
        Assert.Equal(0.0, LocalComplexity.Cosine(rows), 1e-9);
    }

    [Fact]
    public void Mutually_orthogonal_rows_give_one()
    {
        using var scope = NewDisposeScope();
        // Scaled identity rows plus a random rotation: orthogonal but not axis-aligned.
        var (q, _) = linalg.qr(randn(5, 5, ScalarType.Float64, generator: new TorchSharp.torch.Generator(3)));
        var rows = diag(tensor(new double[] { 1, 2, 3, 4, 5 })).matmul(q.T);
        Assert.Equal(0.0, LocalComplexity.MeanCosine(rows), 1e-9);
        Assert.Equal(1.0, LocalComplexity.Cosine(rows), 1e-9);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(4, 2)]
    [InlineData(5, 1)]
    public void Two_opposite_groups_follow_the_formula(int a, int b)
    {
        // a rows along u, b rows along −u: pairs inside a group have cosine 1, across groups −1, so
        // m = (a(a−1) + b(b−1) − 2ab) / (n(n−1)) = ((a−b)² − n) / (n(n−1)) and LC = 1 − |m|.
        using var scope = NewDisposeScope();
        var u = tensor(new double[] { 1, -2, 0.5 });
        var rows = cat([u.unsqueeze(0).repeat(a, 1).mul(2.5), u.neg().unsqueeze(0).repeat(b, 1).mul(0.1)], 0);
        var n = a + b;
        var m = ((a - b) * (a - b) - n) / (double)(n * (n - 1));
        Assert.Equal(m, LocalComplexity.MeanCosine(rows), 1e-9);
        Assert.Equal(1 - Math.Abs(m), LocalComplexity.Cosine(rows), 1e-9);
    }

    [Fact]
    public void Concatenation_is_the_cosine_of_the_joined_features()
    {
        using var scope = NewDisposeScope();
        var a = randn(7, 3, generator: new TorchSharp.torch.Generator(1));
        var b = randn(7, 5, generator: new TorchSharp.torch.Generator(2));
        Assert.Equal(LocalComplexity.Cosine(cat([a, b], 1)), LocalComplexity.Cosine([a, b]), 1e-9);
        Assert.NotEqual(LocalComplexity.Cosine(a), LocalComplexity.Cosine([a, b]), 3);
    }

    [Fact]
    public void Bad_input_is_rejected_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => LocalComplexity.Cosine(ones(1, 4)));
        Assert.Contains("at least 2 samples", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => LocalComplexity.Cosine([ones(3, 2), ones(4, 2)]));
    }

    [Fact]
    public void Analyzer_reads_every_hidden_layer_by_default_and_the_seed_selection_reads_input_and_layer_one()
    {
        using var model = new MlpModel(2, 16, 4, ActivationKind.Relu, seed: 3);
        using var scope = NewDisposeScope();
        var probe = rand(20, 8, generator: new TorchSharp.torch.Generator(4)).mul(2).sub(1);
        var h = new List<Tensor>();
        var x = probe;
        for (var i = 0; i < 3; i++)
        {
            x = nn.functional.relu(nn.functional.linear(x, model.Layers[i].weight!, model.Layers[i].bias));
            h.Add(x);
        }

        var all = AnalyzerRunner.Run([new LocalComplexityAnalyzer()], model, probe).Results[0];
        Assert.Equal("lc", all.Name);
        Assert.Equal(LocalComplexity.Cosine(h), all.Value, 1e-6);
        Assert.Equal(["hidden.0", "hidden.1", "hidden.2"], all.PerLayer.Keys.ToArray());
        Assert.Equal(LocalComplexity.Cosine(h[1]), all.PerLayer["hidden.1"], 1e-6);

        // The seed hooked the inputs of all Linear layers but the last: x, h0, h1 for this 4-layer MLP.
        var seed = new LocalComplexityAnalyzer(new LocalComplexityOptions { Layers = LayerSelection.Seed });
        var seedResult = AnalyzerRunner.Run([seed], model, probe).Results[0];
        Assert.Equal(["input", "hidden.0", "hidden.1"], seedResult.PerLayer.Keys.ToArray());
        Assert.Equal(LocalComplexity.Cosine([probe, h[0], h[1]]), seedResult.Value, 1e-6);

        var custom = new LocalComplexityAnalyzer(new LocalComplexityOptions { Layers = LayerSelection.Custom, HiddenLayers = [2] });
        Assert.Equal(LocalComplexity.Cosine(h[2]), custom.AnalyzeActivations(h).Value, 1e-6);
    }

    [Fact]
    public void Invalid_options_and_selections_name_the_problem()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new LocalComplexityAnalyzer(new LocalComplexityOptions { Layers = LayerSelection.Custom }));
        Assert.Contains("HiddenLayers", ex.Message, StringComparison.Ordinal);

        using var scope = NewDisposeScope();
        var analyzer = new LocalComplexityAnalyzer(new LocalComplexityOptions { Layers = LayerSelection.Custom, HiddenLayers = [5] });
        var missing = Assert.Throws<InvalidOperationException>(() => analyzer.AnalyzeActivations([ones(3, 2)]));
        Assert.Contains("Hidden layer 5", missing.Message, StringComparison.Ordinal);
    }
}

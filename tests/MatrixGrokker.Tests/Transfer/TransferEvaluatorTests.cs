using MatrixGrokker.Data;
using MatrixGrokker.Transfer;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Transfer;

public class TransferEvaluatorTests
{
    [Fact]
    public void Metrics_match_hand_computed_values()
    {
        using var scope = NewDisposeScope();
        var exact = tensor(new float[] { 1, 0, 0, 1, 2, 0, 0, 0 }).reshape(2, 2, 2);
        var offsets = tensor(new float[] { 0.05f, 0, 0, 0, 0, 0.2f, 0, 0 }).reshape(2, 2, 2);
        var (accuracy, elementAccuracy, mse, relative) = TransferEvaluator.Metrics(exact + offsets, exact, 0.1);

        Assert.Equal(0.5, accuracy, 12);
        Assert.Equal(7.0 / 8, elementAccuracy, 12);
        Assert.Equal((0.05 * 0.05 + 0.2 * 0.2) / 8, mse, tolerance: 1e-8);
        Assert.Equal(((0.05 / Math.Sqrt(2)) + (0.2 / 2)) / 2, relative, tolerance: 1e-7);
    }

    [Fact]
    public void Exact_strategy_scores_perfectly_and_unsupported_sizes_are_listed()
    {
        using var oracle = new ExactProductModel();
        var evaluator = new TransferEvaluator([4, 5], samples: 40, batchSize: 16);
        var seen = new List<TransferResult>();
        var report = evaluator.Evaluate([new BlockCompositionStrategy(oracle), new EvenOnly(new BlockCompositionStrategy(oracle))], seen.Add);

        Assert.Equal(3, report.Results.Count);
        Assert.Equal(report.Results, seen);
        Assert.Equal(["even-only@5"], report.Skipped);
        foreach (var r in report.Results)
        {
            Assert.Equal(1.0, r.Accuracy);
            Assert.Equal(1.0, r.ElementAccuracy);
            Assert.True(r.RelativeError < 1e-6);
            Assert.Equal(40, r.Samples);
        }

        var json = System.Text.Json.JsonDocument.Parse(report.ToJson());
        Assert.Equal(3, json.RootElement.GetProperty("results").GetArrayLength());
        Assert.Equal("block-composition", json.RootElement.GetProperty("results")[0].GetProperty("strategy").GetString());
        Assert.NotNull(report.Find("even-only", 4));
    }

    [Fact]
    public void A_wrong_strategy_is_scored_as_wrong()
    {
        var evaluator = new TransferEvaluator([4], samples: 50);
        var result = evaluator.Evaluate([new Zero()]).Results.Single();
        Assert.Equal(0.0, result.Accuracy);
        Assert.Equal(1.0, result.RelativeError, 9); // ‖0 − C‖/‖C‖
    }

    [Fact]
    public void Analyzers_describe_the_model_each_strategy_used()
    {
        using var trained = new MatrixGrokker.Models.MlpModel(2, 16, 3, MatrixGrokker.Options.ActivationKind.Relu, seed: 1);
        using var embedding = new WeightEmbeddingStrategy(trained, seed: 2);
        var evaluator = new TransferEvaluator([4], samples: 30) { Analyzers = [new InputWidth()], ProbeSize = 10 };
        var report = evaluator.Evaluate([new BlockCompositionStrategy(trained), embedding, new Zero()]);

        Assert.Equal(8, report.Find("block-composition", 4)!.ModelMetrics!["width"]); // the 2×2 model, probed with 2×2 blocks
        Assert.Equal(32, report.Find("weight-embedding", 4)!.ModelMetrics!["width"]); // the expanded 4×4 model
        Assert.Equal(10, report.Find("weight-embedding", 4)!.ModelMetrics!["width.rows"]);
        Assert.Null(report.Find("zero", 4)!.ModelMetrics); // no model to describe
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Sizes_outside_the_supported_range_are_rejected(int n) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransferEvaluator([n]));

    // Reports the probe's shape, so the test sees which model and probe the evaluator chose.
    private sealed class InputWidth : MatrixGrokker.Analysis.IAnalyzer
    {
        public string Name => "width";

        public MatrixGrokker.Analysis.AnalyzerResult Analyze(MatrixGrokker.Analysis.AnalysisInput input)
        {
            Assert.Equal(input.Model!.InputSize, input.Probe.shape[1]);
            return new(Name, input.Probe.shape[1], new Dictionary<string, double>(), new Dictionary<string, double> { ["rows"] = input.Probe.shape[0] }, TimeSpan.Zero);
        }
    }

    private sealed class EvenOnly(ITransferStrategy inner) : ITransferStrategy
    {
        public string Name => "even-only";

        public bool Supports(int n) => n % 2 == 0;

        public Tensor Multiply(Tensor a, Tensor b) => inner.Multiply(a, b);
    }

    private sealed class Zero : ITransferStrategy
    {
        public string Name => "zero";

        public bool Supports(int n) => true;

        public Tensor Multiply(Tensor a, Tensor b) => zeros_like(a);
    }
}

using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Metrics;

[Collection(GlobalRngCollection.Name)]
public class SuperpositionTests
{
    public static TheoryData<string> Backends => ["torch", "mathnet"];

    private static ISvdBackend Backend(string name) => name == "torch" ? new TorchSvdBackend() : new MathNetSvdBackend();

    [Theory]
    [MemberData(nameof(Backends))]
    public void Rank_one_matrix_has_zero_superposition_for_every_k(string backend)
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(2);
        var w = outer(randn(30, generator: generator), randn(20, generator: generator));
        var sigma = Backend(backend).SingularValues(w);
        foreach (var k in new[] { 1, 2, 4, 19 })
        {
            Assert.Equal(0.0, Superposition.FromSingularValues(sigma, k), 1e-5);
        }

        Assert.Equal(1.0, Superposition.EffectiveRank(sigma), 1e-4);
    }

    [Theory]
    [InlineData("torch", 8, 4)]
    [InlineData("torch", 16, 1)]
    [InlineData("mathnet", 8, 4)]
    [InlineData("mathnet", 10, 3)]
    public void Identity_has_superposition_one_minus_k_over_n_and_effective_rank_n(string backend, int n, int k)
    {
        using var scope = NewDisposeScope();
        var sigma = Backend(backend).SingularValues(eye(n));
        Assert.Equal(1 - k / (double)n, Superposition.FromSingularValues(sigma, k), 1e-6);
        Assert.Equal(n, Superposition.EffectiveRank(sigma), 1e-5);
    }

    [Fact]
    public void Degenerate_spectra_have_defined_values()
    {
        Assert.Equal(0.0, Superposition.FromSingularValues([0.0, 0.0], 1));
        Assert.Equal(0.0, Superposition.FromSingularValues([3.0, 1.0], 4)); // k beyond the rank
        Assert.True(double.IsNaN(Superposition.FromSingularValues([double.NaN, 1.0], 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Superposition.FromSingularValues([1.0], 0));
    }

    public static TheoryData<string> Matrices => ["random 256x256", "random 256x8", "random 4x256", "graded", "rank 3", "identity"];

    private static Tensor Make(string kind)
    {
        var g = new TorchSharp.torch.Generator(11);
        return kind switch
        {
            "random 256x256" => rand(256, 256, generator: g).sub(0.5),
            "random 256x8" => randn(256, 8, generator: g),
            "random 4x256" => randn(4, 256, generator: g).mul(0.1),
            "graded" => diag(logspace(0, -3, 40)).matmul(linalg.qr(randn(40, 40, generator: g)).Q).to_type(ScalarType.Float32),
            "rank 3" => randn(64, 3, generator: g).matmul(randn(3, 48, generator: g)),
            "identity" => eye(32),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [Theory]
    [MemberData(nameof(Matrices))]
    public void Backends_agree_within_1e_4(string kind)
    {
        // Singular values are compared relative to the largest one (the accuracy a float32 SVD can promise for
        // every value); SP and effective rank relative to max(|value|, 1), their natural scale (SP lies in [0, 1]).
        using var scope = NewDisposeScope();
        var w = Make(kind);
        var torchValues = new TorchSvdBackend().SingularValues(w);
        var mathNetValues = new MathNetSvdBackend().SingularValues(w);
        Assert.Equal(Math.Min(w.shape[0], w.shape[1]), torchValues.Length);
        Assert.Equal(torchValues.Length, mathNetValues.Length);
        var largest = mathNetValues[0];
        for (var i = 0; i < torchValues.Length; i++)
        {
            Assert.True(Math.Abs(torchValues[i] - mathNetValues[i]) <= 1e-4 * largest, $"σ_{i}: torch {torchValues[i]}, MathNet {mathNetValues[i]}");
        }

        foreach (var k in new[] { 1, 4 })
        {
            AssertRelative(Superposition.FromSingularValues(mathNetValues, k), Superposition.FromSingularValues(torchValues, k));
        }

        AssertRelative(Superposition.EffectiveRank(mathNetValues), Superposition.EffectiveRank(torchValues));
    }

    private static void AssertRelative(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(Math.Abs(expected), 1), $"expected {expected}, got {actual}");

    [Fact]
    public void Analyzer_reports_each_weight_matrix_weighted_aggregate_ranks_and_norm()
    {
        using var scope = NewDisposeScope();
        // Layer 0: 6×6 identity·2 (SP = 1 − 4/6, rank 6); layer 2: rank 1 (SP 0, rank 1).
        using var net = nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 3));
        using (no_grad())
        {
            ((TorchSharp.Modules.Linear)net[0]).weight!.copy_(eye(6).mul(2));
            ((TorchSharp.Modules.Linear)net[2]).weight!.copy_(outer(ones(3), arange(6).to_type(ScalarType.Float32)));
        }

        var result = new SuperpositionAnalyzer().Analyze(new AnalysisInput(net, zeros(2, 6)));
        Assert.Equal(["0.weight", "2.weight"], result.PerLayer.Keys.ToArray());
        Assert.Equal(1 - 4 / 6.0, result.PerLayer["0.weight"], 1e-6);
        Assert.Equal(0.0, result.PerLayer["2.weight"], 1e-6);
        Assert.Equal((36 * (1 - 4 / 6.0) + 18 * 0.0) / 54, result.Value, 1e-6);
        Assert.Equal((1 - 4 / 6.0) / 2, result.Extra["mean"], 1e-6);
        Assert.Equal(6.0, result.Extra["effective_rank.0.weight"], 1e-4);
        Assert.Equal(1.0, result.Extra["effective_rank.2.weight"], 1e-4);
        Assert.Equal(3.5, result.Extra["effective_rank"], 1e-4);
        var squares = 6 * 4.0 + 3 * Enumerable.Range(0, 6).Sum(i => i * i);
        Assert.Equal(Math.Sqrt(squares), result.Extra["weight_norm"], 1e-4);
    }

    [Fact]
    public void Non_finite_weights_give_nan_only_for_their_matrix_and_huge_finite_weights_are_still_analysed()
    {
        using var scope = NewDisposeScope();
        // Layer 0 holds a NaN; layer 2 is float64 with entries whose squares overflow, so its sum of squares is
        // infinite although every weight is finite: it must still get its SP (1 − 4/6 for a scaled 6×6 identity).
        using var net = nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 6, dtype: ScalarType.Float64));
        using (no_grad())
        {
            ((TorchSharp.Modules.Linear)net[0]).weight![1, 2] = tensor(float.NaN);
            ((TorchSharp.Modules.Linear)net[2]).weight!.copy_(eye(6, dtype: ScalarType.Float64).mul(1e200));
        }

        var result = new SuperpositionAnalyzer().Analyze(new AnalysisInput(net, zeros(2, 6)));
        Assert.True(double.IsNaN(result.PerLayer["0.weight"]));
        Assert.True(double.IsNaN(result.Extra["effective_rank.0.weight"]));
        Assert.Equal(1 - 4 / 6.0, result.PerLayer["2.weight"], 1e-6);
        Assert.Equal(6.0, result.Extra["effective_rank.2.weight"], 1e-4);
    }

    [Fact]
    public void A_module_without_weight_matrices_is_rejected()
    {
        using var scope = NewDisposeScope();
        using var net = nn.Sequential(nn.ReLU());
        var ex = Assert.Throws<InvalidOperationException>(() => new SuperpositionAnalyzer().Analyze(new AnalysisInput(net, zeros(2, 2))));
        Assert.Contains("weight", ex.Message, StringComparison.Ordinal);
    }
}

using MatrixGrokker.Models;
using MatrixGrokker.Strassen;
using MatrixGrokker.Transfer;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Strassen;

public class RecursionTests
{
    private static readonly int[] PowersOfTwo = [2, 4, 8, 16, 32, 64];

    [Fact]
    public void Strassen_coefficients_applied_at_every_level_multiply_up_to_64x64()
    {
        var checks = BilinearRecursion.Check(BilinearAlgorithm.Strassen, PowersOfTwo, samples: 3, seed: 1);
        Assert.Equal(PowersOfTwo, checks.Select(c => c.Size));
        Assert.Equal([1, 2, 3, 4, 5, 6], checks.Select(c => c.Levels));
        Assert.All(checks, c => Assert.True(c.Passed && c.RelativeError < 1e-12, $"n={c.Size}: {c.RelativeError}"));
    }

    [Fact]
    public void A_rule_with_one_flipped_sign_fails_the_numerical_check()
    {
        var w = BilinearAlgorithm.Strassen.GetW();
        w[0, 4] = 1; // was −1
        var broken = new BilinearAlgorithm(BilinearAlgorithm.Strassen.GetU(), BilinearAlgorithm.Strassen.GetV(), w);
        var checks = BilinearRecursion.Check(broken, [2, 64], samples: 2);
        Assert.All(checks, c => Assert.False(c.Passed));
        Assert.True(checks[1].RelativeError > 0.1);
    }

    [Fact]
    public void Recursion_really_uses_the_given_rule_at_every_level()
    {
        // Scaling W by 2 scales every level's output by 2: the 64×64 product comes out 2⁶ times too large.
        var w = BilinearAlgorithm.Strassen.GetW();
        for (var k = 0; k < 4; k++)
        {
            for (var r = 0; r < 7; r++)
            {
                w[k, r] *= 2;
            }
        }

        var doubled = new BilinearAlgorithm(BilinearAlgorithm.Strassen.GetU(), BilinearAlgorithm.Strassen.GetV(), w);
        using var scope = NewDisposeScope();
        var a = randn([2, 64, 64], ScalarType.Float64);
        var b = randn([2, 64, 64], ScalarType.Float64);
        var c = BilinearRecursion.Multiply(doubled, a, b);
        Assert.True(c.allclose(matmul(a, b).mul(64), rtol: 1e-9, atol: 1e-9));
    }

    [Fact]
    public void Strategy_pads_non_powers_of_two()
    {
        var strategy = new BilinearRecursionStrategy(BilinearAlgorithm.Strassen);
        Assert.Equal("bilinear-recursion", strategy.Name);
        Assert.True(strategy.Supports(5));
        using var scope = NewDisposeScope();
        var a = randn([8, 5, 5]);
        var b = randn([8, 5, 5]);
        var c = strategy.Multiply(a, b);
        Assert.Equal([8L, 5, 5], c.shape);
        Assert.Equal(ScalarType.Float32, c.dtype);
        var reference = matmul(a.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64));
        var rel = (c.to_type(ScalarType.Float64) - reference).norm().item<double>() / reference.norm().item<double>();
        Assert.True(rel < 1e-6, $"relative error {rel}");
    }

    [Fact]
    public void Strategy_works_with_continuous_coefficients_and_their_error_compounds_with_depth()
    {
        // W scaled by (1 + ε) is a non-integer rule whose error is known exactly: each level multiplies the result by
        // (1 + ε), so the relative error at n = 2^L (or n padded to it) is (1 + ε)^L − 1.
        const double eps = 1e-3;
        var w = BilinearAlgorithm.Strassen.GetW();
        for (var k = 0; k < 4; k++)
        {
            for (var r = 0; r < 7; r++)
            {
                w[k, r] *= 1 + eps;
            }
        }

        var continuous = new BilinearAlgorithm(BilinearAlgorithm.Strassen.GetU(), BilinearAlgorithm.Strassen.GetV(), w);
        Assert.False(continuous.IsInteger);
        var strategy = new BilinearRecursionStrategy(continuous);
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator(11);
        foreach (var (n, levels) in new[] { (2, 1), (5, 3), (64, 6) })
        {
            var a = randn([3, n, n], ScalarType.Float64, generator: generator);
            var b = randn([3, n, n], ScalarType.Float64, generator: generator);
            var reference = matmul(a, b);
            var error = (strategy.Multiply(a, b) - reference).norm().item<double>() / reference.norm().item<double>();
            Assert.Equal(Math.Pow(1 + eps, levels) - 1, error, 9);
        }
    }

    [Fact]
    public void Strategy_from_a_model_with_off_integer_coefficients_gives_a_finite_approximate_product()
    {
        // A model whose coefficients are near but not at an exact rule (as after training, before rounding): the
        // strategy must still run (n = 5 padded to 8) and return its approximate product.
        using var model = BilinearModel.FromAlgorithm(BilinearAlgorithm.Strassen);
        using (var noGrad = no_grad())
        {
            model.U.add_(0.01);
        }

        var strategy = BilinearRecursionStrategy.FromModel(model);
        Assert.False(strategy.Algorithm.IsInteger);
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator(12);
        var a = randn([4, 5, 5], generator: generator);
        var b = randn([4, 5, 5], generator: generator);
        var c = strategy.Multiply(a, b);
        var reference = matmul(a, b);
        var error = (c - reference).norm().item<float>() / reference.norm().item<float>();
        Assert.True(float.IsFinite(error));
        Assert.InRange(error, 1e-4, 0.5);
    }

    [Fact]
    public void Bad_shapes_are_rejected()
    {
        var strategy = new BilinearRecursionStrategy(BilinearAlgorithm.Strassen);
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => strategy.Multiply(randn(4, 3, 2), randn(4, 3, 2)));
        Assert.Throws<ArgumentException>(() => strategy.Multiply(randn(4, 3, 3), randn(4, 4, 4)));
    }
}

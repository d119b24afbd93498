using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Transfer;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Transfer;

public class TransferStrategyTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)] // odd: zero-padded to 6
    [InlineData(6)]
    [InlineData(8)]
    public void Block_composition_with_an_exact_model_gives_exact_products(int n)
    {
        using var oracle = new ExactProductModel();
        var strategy = new BlockCompositionStrategy(oracle);
        using var scope = NewDisposeScope();
        var (a, b) = MatrixMultiplicationDataset.SamplePairs(n, 7, -1, 1, seed: n);
        Tensor c;
        using (no_grad())
        {
            c = strategy.Multiply(a, b);
        }

        var exact = MatrixMultiplicationDataset.ExactProduct(a, b);
        Assert.Equal([7L, n, n], c.shape);
        Assert.True((c - exact).abs().max().item<float>() < 1e-5f);

        // All (⌈n/2⌉)³ block products of all 7 pairs in one forward pass.
        var p = (n + 1) / 2;
        Assert.Equal(1, oracle.Calls);
        Assert.Equal(7L * p * p * p, oracle.Rows);
        Assert.Equal((long)p * p * p, strategy.ProductsPerPair(n));
    }

    [Fact]
    public void A_1x1_bilinear_rule_supports_only_1x1_so_the_evaluator_skips_larger_sizes()
    {
        var oneByOne = new BilinearRecursionStrategy(MatrixGrokker.Strassen.BilinearAlgorithm.Naive(1));
        var strassen = new BilinearRecursionStrategy(MatrixGrokker.Strassen.BilinearAlgorithm.Strassen);

        Assert.Equal((true, false, false), (oneByOne.Supports(1), oneByOne.Supports(2), oneByOne.Supports(8)));
        Assert.Equal((true, true, true), (strassen.Supports(1), strassen.Supports(3), strassen.Supports(64)));
    }

    [Fact]
    public void Block_composition_splits_passes_only_between_whole_pairs()
    {
        using var oracle = new ExactProductModel();
        var strategy = new BlockCompositionStrategy(oracle, maxRowsPerPass: 20); // 8 products per 4×4 pair → 2 pairs/pass
        using var scope = NewDisposeScope();
        var (a, b) = MatrixMultiplicationDataset.SamplePairs(4, 5, -1, 1, seed: 3);
        var c = strategy.Multiply(a, b);
        Assert.Equal(3, oracle.Calls);
        Assert.True((c - MatrixMultiplicationDataset.ExactProduct(a, b)).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Block_composition_uses_the_model_so_its_errors_show()
    {
        // A model that is off by a constant in every output: each of the n/2 summands carries the offset.
        using var oracle = new ExactProductModel();
        var strategy = new BlockCompositionStrategy(new OffsetModel(oracle, 0.01f));
        using var scope = NewDisposeScope();
        var (a, b) = MatrixMultiplicationDataset.SamplePairs(8, 3, -1, 1, seed: 5);
        var error = strategy.Multiply(a, b) - MatrixMultiplicationDataset.ExactProduct(a, b);
        Assert.True((error - 0.04f).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Block_composition_rejects_mismatched_shapes()
    {
        using var oracle = new ExactProductModel();
        var strategy = new BlockCompositionStrategy(oracle);
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => strategy.Multiply(zeros(2, 4, 4), zeros(2, 6, 6)));
        Assert.Contains("same shape", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weight_embedding_copies_every_layer_into_the_top_left_block_and_keeps_fresh_init_elsewhere()
    {
        using var source = new MlpModel(2, 16, 3, ActivationKind.Relu, seed: 1, initScale: 3);
        using var strategy = new WeightEmbeddingStrategy(source, seed: 9);
        using var fresh = new MlpModel(4, 16, 3, ActivationKind.Relu, seed: 9);
        var expanded = strategy.ExpandedModel(4);

        Assert.Equal([16L, 32L], expanded.Layers[0].weight!.shape);
        Assert.Equal([16L, 16L], expanded.Layers[1].weight!.shape);
        Assert.Equal([16L, 16L], expanded.Layers[2].weight!.shape);
        for (var i = 0; i < 3; i++)
        {
            var from = source.Layers[i];
            var to = expanded.Layers[i];
            var (rows, cols) = (from.weight!.shape[0], from.weight.shape[1]);
            Assert.True(to.weight!.narrow(0, 0, rows).narrow(1, 0, cols).Equals(from.weight));
            Assert.True(to.bias!.narrow(0, 0, rows).Equals(from.bias!));
        }

        // Outside the copied blocks: the fresh initialisation, untouched.
        Assert.True(expanded.Layers[0].weight!.narrow(1, 8, 24).Equals(fresh.Layers[0].weight!.narrow(1, 8, 24)));
        Assert.True(expanded.Layers[2].weight!.narrow(0, 4, 12).Equals(fresh.Layers[2].weight!.narrow(0, 4, 12)));
        Assert.True(expanded.Layers[2].bias!.narrow(0, 4, 12).Equals(fresh.Layers[2].bias!.narrow(0, 4, 12)));
        Assert.Same(expanded, strategy.ExpandedModel(4));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Assert.Equal([3L, 4L, 4L], strategy.Multiply(zeros(3, 4, 4), zeros(3, 4, 4)).shape);
        Assert.False(strategy.Supports(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => strategy.ExpandedModel(1));
    }

    private sealed class OffsetModel(IModel inner, float offset) : IModel
    {
        public int MatrixSize => inner.MatrixSize;

        public int InputSize => inner.InputSize;

        public int OutputSize => inner.OutputSize;

        public TorchSharp.torch.nn.Module<Tensor, Tensor> Module => inner.Module;

        public Tensor Forward(Tensor input) => inner.Forward(input) + offset;

        public IReadOnlyList<NamedWeight> GetWeights() => [];

        public ActivationRecorder RecordActivations() => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}

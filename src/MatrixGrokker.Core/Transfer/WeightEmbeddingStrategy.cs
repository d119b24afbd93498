using MatrixGrokker.Data;
using MatrixGrokker.Models;
using static TorchSharp.torch;

namespace MatrixGrokker.Transfer;

/// <summary>
/// The original project's transfer, reproduced as a baseline: an MLP for n×n products (input 2n², output n², same
/// hidden width, depth and activation) whose every Linear layer gets the trained layer's weights and biases copied
/// into its top-left block; all other entries keep their fresh initialisation. Nothing aligns the copied weights with
/// the new input layout, so no algorithm carries over — expect near-zero accuracy.
/// </summary>
public sealed class WeightEmbeddingStrategy : ITransferStrategy, ITransferModelSource, IDisposable
{
    private readonly MlpModel _source;
    private readonly long _seed;
    private readonly Dictionary<int, MlpModel> _expanded = [];

    /// <summary>Creates the strategy around a trained MLP (not owned: the caller disposes it).</summary>
    /// <param name="source">The trained model.</param>
    /// <param name="seed">Seed of the fresh initialisation of the expanded models.</param>
    public WeightEmbeddingStrategy(MlpModel source, long seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _seed = seed;
    }

    /// <inheritdoc />
    public string Name => "weight-embedding";

    /// <inheritdoc />
    public bool Supports(int n) => n >= _source.MatrixSize;

    /// <summary>The expanded model for n×n (built on first use and cached; owned by this strategy).</summary>
    /// <param name="n">Matrix size, at least the trained size.</param>
    public MlpModel ExpandedModel(int n)
    {
        if (!Supports(n))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, $"Weight embedding needs n ≥ the trained size {_source.MatrixSize}.");
        }

        if (_expanded.TryGetValue(n, out var cached))
        {
            return cached;
        }

        var model = new MlpModel(n, _source.HiddenDim, _source.LayerCount, _source.Activation, _seed);
        using (NewDisposeScope()) // the narrow views
        using (no_grad())
        {
            for (var i = 0; i < _source.LayerCount; i++)
            {
                var from = _source.Layers[i];
                var to = model.Layers[i];
                var (outRows, inCols) = ((int)from.weight!.shape[0], (int)from.weight.shape[1]);
                to.weight!.narrow(0, 0, outRows).narrow(1, 0, inCols).copy_(from.weight);
                if (from.bias is not null && to.bias is not null)
                {
                    to.bias.narrow(0, 0, outRows).copy_(from.bias);
                }
            }
        }

        model.eval();
        _expanded[n] = model;
        return model;
    }

    /// <summary>The expanded model for n×n.</summary>
    /// <param name="n">Matrix size.</param>
    public IModel? ModelFor(int n) => Supports(n) ? ExpandedModel(n) : null;

    /// <inheritdoc />
    public Tensor Multiply(Tensor a, Tensor b)
    {
        var (count, n) = TransferShapes.CheckPair(a, b);
        var model = ExpandedModel(n);
        using var scope = NewDisposeScope();
        return model.Forward(MatrixMultiplicationDataset.Flatten(a, b)).reshape(count, n, n).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var model in _expanded.Values)
        {
            model.Dispose();
        }

        _expanded.Clear();
    }
}

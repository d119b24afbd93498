using MatrixGrokker.Models;
using static TorchSharp.torch;

namespace MatrixGrokker.Transfer;

/// <summary>
/// Multiplies n×n matrices with a model trained on m×m products (usually m = 2) by block matrix multiplication:
/// A and B are zero-padded to a multiple of m and cut into m×m blocks, every block product A_ik·B_kj of a pair is
/// computed by the model in one batched forward pass, and the products are summed over k. Block entries stay inside
/// the training range, so the model is only queried in-distribution; its errors add up over the n/m summands.
/// </summary>
public sealed class BlockCompositionStrategy : ITransferStrategy, ITransferModelSource
{
    private readonly IModel _model;
    private readonly int _maxRowsPerPass;

    /// <summary>Creates the strategy around a trained model (not owned: the caller disposes it).</summary>
    /// <param name="model">A model for m×m products.</param>
    /// <param name="maxRowsPerPass">
    /// Upper bound on block products per forward pass; pairs are grouped so that each pass holds whole pairs, and one
    /// pair always goes in a single pass even when it alone exceeds the bound.
    /// </param>
    public BlockCompositionStrategy(IModel model, int maxRowsPerPass = 65_536)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRowsPerPass, 1);
        _model = model;
        _maxRowsPerPass = maxRowsPerPass;
    }

    /// <inheritdoc />
    public string Name => "block-composition";

    /// <summary>Block size m (the model's matrix size).</summary>
    public int BlockSize => _model.MatrixSize;

    /// <inheritdoc />
    public bool Supports(int n) => n >= 1;

    /// <summary>The trained model itself: every size is computed by it.</summary>
    /// <param name="n">Matrix size.</param>
    public IModel? ModelFor(int n) => _model;

    /// <summary>Number of block products per matrix pair for size <paramref name="n"/>: ⌈n/m⌉³.</summary>
    /// <param name="n">Matrix size.</param>
    public long ProductsPerPair(int n)
    {
        long p = (n + BlockSize - 1) / BlockSize;
        return p * p * p;
    }

    /// <inheritdoc />
    public Tensor Multiply(Tensor a, Tensor b)
    {
        var (count, n) = TransferShapes.CheckPair(a, b);
        var m = BlockSize;
        var p = (n + m - 1) / m;
        var padded = p * m;
        var perPair = p * p * p;
        var pairsPerPass = (int)Math.Max(1, _maxRowsPerPass / perPair);

        using var outer = NewDisposeScope();
        if (padded != n)
        {
            // Zero rows/columns add zero blocks, so the top-left n×n of the padded product is exact.
            a = nn.functional.pad(a, [0, padded - n, 0, padded - n]);
            b = nn.functional.pad(b, [0, padded - n, 0, padded - n]);
        }

        var parts = new List<Tensor>();
        for (var start = 0; start < count; start += pairsPerPass)
        {
            var len = Math.Min(pairsPerPass, count - start);

            // A scope per pass frees its activations before the next pass; only the result survives.
            using var pass = NewDisposeScope();
            parts.Add(MultiplyChunk(a.narrow(0, start, len), b.narrow(0, start, len), len, p, m).MoveToOuterDisposeScope());
        }

        var c = parts.Count == 1 ? parts[0] : cat(parts, 0);
        if (padded != n)
        {
            c = c.narrow(1, 0, n).narrow(2, 0, n);
        }

        return c.contiguous().MoveToOuterDisposeScope();
    }

    private Tensor MultiplyChunk(Tensor a, Tensor b, int count, int p, int m)
    {
        // [c, P, m, P, m] → [c, row-block, col-block, m, m]
        var aBlocks = a.reshape(count, p, m, p, m).permute(0, 1, 3, 2, 4);
        var bBlocks = b.reshape(count, p, m, p, m).permute(0, 1, 3, 2, 4);

        // Pair (i, k) of A with (k, j) of B on a [c, i, k, j] grid.
        var left = aBlocks.unsqueeze(3).expand(count, p, p, p, m, m).reshape(-1, m * m);
        var right = bBlocks.unsqueeze(1).expand(count, p, p, p, m, m).reshape(-1, m * m);
        var products = _model.Forward(cat([left, right], 1));

        // Sum over k, then put blocks back in place.
        return products.reshape(count, p, p, p, m, m).sum(2).permute(0, 1, 3, 2, 4).reshape(count, p * m, p * m);
    }
}

using MatrixGrokker.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Strassen;

/// <summary>Accuracy of the recursive multiplication at one size.</summary>
/// <param name="Size">n of the n×n matrices.</param>
/// <param name="Levels">Recursion levels used (n padded up to n₀^levels).</param>
/// <param name="RelativeError">Largest ‖C − A·B‖_F / ‖A·B‖_F over the sampled pairs, against a float64 reference.</param>
/// <param name="Passed">True when <paramref name="RelativeError"/> is below the tolerance of the check.</param>
public sealed record RecursionCheck(int Size, int Levels, double RelativeError, bool Passed);

/// <summary>
/// Multiplies n×n matrices by applying a bilinear rule recursively to blocks: A and B are cut into n₀×n₀ grids of
/// blocks, the rule's R block products are formed with its own U and V, each product is computed by the same rule one
/// level down (down to 1×1 blocks, i.e. scalars), and W combines them. The given coefficients are used at every level;
/// nothing else is. Sizes that are not powers of n₀ are zero-padded and the result cropped.
/// </summary>
public static class BilinearRecursion
{
    // Largest intermediate (elements) one chunk of the batch may create; bounds memory for big n or batches.
    private const long ChunkElements = 1L << 23;

    /// <summary>
    /// A·B for a batch [count, n, n] (any n ≥ 1), computed in float64 with <paramref name="algorithm"/> at every level.
    /// The result is float64 [count, n, n], in the caller's dispose scope.
    /// </summary>
    /// <param name="algorithm">The rule (integer or not).</param>
    /// <param name="a">Left factors [count, n, n].</param>
    /// <param name="b">Right factors [count, n, n].</param>
    public static Tensor Multiply(BilinearAlgorithm algorithm, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        TorchRuntime.EnsureAvailable();
        if (a.dim() != 3 || a.shape[1] != a.shape[2])
        {
            throw new ArgumentException($"Expected square matrices [count, n, n]; got [{string.Join(", ", a.shape)}].", nameof(a));
        }

        if (!a.shape.SequenceEqual(b.shape))
        {
            throw new ArgumentException($"Shapes differ: A is [{string.Join(", ", a.shape)}], B is [{string.Join(", ", b.shape)}].", nameof(b));
        }

        var count = a.shape[0];
        var n = (int)a.shape[1];
        var n0 = algorithm.BlockSize;
        if (n0 == 1 && n > 1)
        {
            throw new ArgumentException($"A 1×1 rule cannot be applied to blocks; it multiplies only 1×1 matrices, not {n}×{n}.", nameof(algorithm));
        }

        var (size, levels) = PaddedSize(n, n0);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var u = tensor(algorithm.GetU(), ScalarType.Float64);
        var v = tensor(algorithm.GetV(), ScalarType.Float64);
        var w = tensor(algorithm.GetW(), ScalarType.Float64);
        var a64 = Pad(a.to_type(ScalarType.Float64), size - n);
        var b64 = Pad(b.to_type(ScalarType.Float64), size - n);

        // Leaves per pair grow as R^levels; chunk the batch so the widest level stays bounded.
        var perPair = (double)size * size * Math.Pow(Math.Max(1.0, algorithm.Rank / (double)(n0 * n0)), levels);
        var chunk = (int)Math.Clamp(ChunkElements / Math.Max(1.0, perPair), 1, Math.Max(1, count));
        var parts = new List<Tensor>();
        for (long start = 0; start < count; start += chunk)
        {
            var len = Math.Min(chunk, count - start);

            // A scope per chunk frees its recursion levels before the next chunk; only the result survives.
            using var piece = NewDisposeScope();
            parts.Add(Recurse(u, v, w, n0, a64.narrow(0, start, len), b64.narrow(0, start, len)).MoveToOuterDisposeScope());
        }

        var c = count == 0 ? zeros([0, size, size], ScalarType.Float64) : cat(parts, 0);
        return c.narrow(1, 0, n).narrow(2, 0, n).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Checks the rule numerically: for each size, random N(0, 1) pairs multiplied recursively against a float64
    /// reference; passes when the relative Frobenius error is below <paramref name="tolerance"/>.
    /// </summary>
    /// <param name="algorithm">The rule.</param>
    /// <param name="sizes">Sizes n to check.</param>
    /// <param name="samples">Pairs per size.</param>
    /// <param name="seed">Seed of the random pairs.</param>
    /// <param name="tolerance">Largest accepted relative error.</param>
    public static IReadOnlyList<RecursionCheck> Check(BilinearAlgorithm algorithm, IEnumerable<int> sizes, int samples = 4, long seed = 0, double tolerance = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        TorchRuntime.EnsureAvailable();
        var results = new List<RecursionCheck>();
        foreach (var n in sizes)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(sizes));
            using var scope = NewDisposeScope();
            using var generator = new Generator((ulong)(seed + n));
            var a = randn([samples, n, n], ScalarType.Float64, generator: generator);
            var b = randn([samples, n, n], ScalarType.Float64, generator: generator);
            var reference = matmul(a, b);
            var c = Multiply(algorithm, a, b);
            var error = (c - reference).flatten(1).norm(1).div(reference.flatten(1).norm(1)).max().item<double>();
            results.Add(new RecursionCheck(n, PaddedSize(n, algorithm.BlockSize).Levels, error, error < tolerance));
        }

        return results;
    }

    /// <summary>Smallest n₀^levels ≥ n.</summary>
    internal static (int Size, int Levels) PaddedSize(int n, int n0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (n0 == 1)
        {
            return (n, 0);
        }

        var size = 1;
        var levels = 0;
        while (size < n)
        {
            size = checked(size * n0);
            levels++;
        }

        return (size, levels);
    }

    private static Tensor Pad(Tensor x, int extra) =>
        extra == 0 ? x : nn.functional.pad(x, [0, extra, 0, extra]);

    // x, y: [batch, m, m] with m a power of n0. Returns x·y computed with the rule at every level.
    private static Tensor Recurse(Tensor u, Tensor v, Tensor w, int n0, Tensor x, Tensor y)
    {
        var batch = x.shape[0];
        var m = x.shape[1];
        if (m == 1 || n0 == 1)
        {
            // 1×1 blocks are scalars; with n₀ = 1 the rule is c = W((U·a) ⊙ (V·b)) on scalars too.
            return n0 == 1 ? x.mul(y).mul(u.mul(v).mul(w.t()).sum()) : x.mul(y);
        }

        var s = m / n0;
        var d = n0 * n0;
        var rank = u.shape[0];
        // Blocks in row-major order of the n₀×n₀ grid: [batch, d, s·s].
        var xb = x.reshape(batch, n0, s, n0, s).permute(0, 1, 3, 2, 4).reshape(batch, d, s * s);
        var yb = y.reshape(batch, n0, s, n0, s).permute(0, 1, 3, 2, 4).reshape(batch, d, s * s);
        var left = matmul(u, xb).reshape(batch * rank, s, s);
        var right = matmul(v, yb).reshape(batch * rank, s, s);
        var products = Recurse(u, v, w, n0, left, right).reshape(batch, rank, s * s);
        var c = matmul(w, products);
        return c.reshape(batch, n0, n0, s, s).permute(0, 1, 3, 2, 4).reshape(batch, m, m);
    }
}

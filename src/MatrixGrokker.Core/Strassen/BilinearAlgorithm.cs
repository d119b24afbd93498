using System.Globalization;
using System.Text;

namespace MatrixGrokker.Strassen;

/// <summary>
/// A bilinear rule for n₀×n₀ matrix products: <c>c = W((U·a) ⊙ (V·b))</c> with a, b, c the row-major flattenings of
/// A, B and C = A·B. U and V are [rank, n₀²], W is [n₀², rank]. Coefficients may be integers (an exact algorithm once
/// verified) or any real numbers (a learned, approximate rule). The arrays are copied on construction; the instance is
/// immutable.
/// </summary>
public sealed class BilinearAlgorithm
{
    private readonly double[,] _u;
    private readonly double[,] _v;
    private readonly double[,] _w;

    /// <summary>Creates a rule from its three coefficient matrices.</summary>
    /// <param name="u">Left factors [rank, n₀²].</param>
    /// <param name="v">Right factors [rank, n₀²].</param>
    /// <param name="w">Output combination [n₀², rank].</param>
    public BilinearAlgorithm(double[,] u, double[,] v, double[,] w)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(w);
        var rank = u.GetLength(0);
        var d = u.GetLength(1);
        if (rank < 1)
        {
            throw new ArgumentException("U needs at least one row (one product).", nameof(u));
        }

        var n0 = (int)Math.Round(Math.Sqrt(d));
        if (n0 < 1 || n0 * n0 != d)
        {
            throw new ArgumentException($"U has {d} columns; the column count must be n₀² for a block size n₀.", nameof(u));
        }

        if (v.GetLength(0) != rank || v.GetLength(1) != d)
        {
            throw new ArgumentException($"V is [{v.GetLength(0)}, {v.GetLength(1)}] but U is [{rank}, {d}]; they must match.", nameof(v));
        }

        if (w.GetLength(0) != d || w.GetLength(1) != rank)
        {
            throw new ArgumentException($"W is [{w.GetLength(0)}, {w.GetLength(1)}]; it must be [{d}, {rank}] (n₀², rank).", nameof(w));
        }

        foreach (var x in u.Cast<double>().Concat(v.Cast<double>()).Concat(w.Cast<double>()))
        {
            if (!double.IsFinite(x))
            {
                throw new ArgumentException("Coefficients must be finite numbers.", nameof(u));
            }
        }

        _u = (double[,])u.Clone();
        _v = (double[,])v.Clone();
        _w = (double[,])w.Clone();
        BlockSize = n0;
        Rank = rank;
    }

    /// <summary>n₀: the rule multiplies n₀×n₀ matrices (2 for Strassen).</summary>
    public int BlockSize { get; }

    /// <summary>Number of scalar (or, recursively, block) products.</summary>
    public int Rank { get; }

    /// <summary>True when every coefficient is an integer.</summary>
    public bool IsInteger => All().All(x => x == Math.Round(x));

    /// <summary>Strassen's algorithm in the row-major flattening [x11, x12, x21, x22] (the reference tests use).</summary>
    public static BilinearAlgorithm Strassen { get; } = new(
        new double[,] { { 1, 0, 0, 1 }, { 0, 0, 1, 1 }, { 1, 0, 0, 0 }, { 0, 0, 0, 1 }, { 1, 1, 0, 0 }, { -1, 0, 1, 0 }, { 0, 1, 0, -1 } },
        new double[,] { { 1, 0, 0, 1 }, { 1, 0, 0, 0 }, { 0, 1, 0, -1 }, { -1, 0, 1, 0 }, { 0, 0, 0, 1 }, { 1, 1, 0, 0 }, { 0, 0, 1, 1 } },
        new double[,] { { 1, 0, 0, 1, -1, 0, 1 }, { 0, 0, 1, 0, 1, 0, 0 }, { 0, 1, 0, 1, 0, 0, 0 }, { 1, -1, 1, 0, 0, 1, 0 } });

    /// <summary>The schoolbook rule for n₀×n₀ matrices: n₀³ products a_ip·b_pj.</summary>
    /// <param name="blockSize">n₀.</param>
    public static BilinearAlgorithm Naive(int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var n = blockSize;
        var d = n * n;
        var rank = n * n * n;
        var u = new double[rank, d];
        var v = new double[rank, d];
        var w = new double[d, rank];
        var r = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                for (var p = 0; p < n; p++, r++)
                {
                    u[r, (i * n) + p] = 1;
                    v[r, (p * n) + j] = 1;
                    w[(i * n) + j, r] = 1;
                }
            }
        }

        return new BilinearAlgorithm(u, v, w);
    }

    /// <summary>U[r, i].</summary>
    /// <param name="r">Product index.</param>
    /// <param name="i">Entry of vec(A).</param>
    public double UAt(int r, int i) => _u[r, i];

    /// <summary>V[r, j].</summary>
    /// <param name="r">Product index.</param>
    /// <param name="j">Entry of vec(B).</param>
    public double VAt(int r, int j) => _v[r, j];

    /// <summary>W[k, r].</summary>
    /// <param name="k">Entry of vec(C).</param>
    /// <param name="r">Product index.</param>
    public double WAt(int k, int r) => _w[k, r];

    /// <summary>A copy of U [rank, n₀²].</summary>
    public double[,] GetU() => (double[,])_u.Clone();

    /// <summary>A copy of V [rank, n₀²].</summary>
    public double[,] GetV() => (double[,])_v.Clone();

    /// <summary>A copy of W [n₀², rank].</summary>
    public double[,] GetW() => (double[,])_w.Clone();

    /// <summary>U as jagged rows (for serialisation).</summary>
    public double[][] URows() => Rows(_u);

    /// <summary>V as jagged rows (for serialisation).</summary>
    public double[][] VRows() => Rows(_v);

    /// <summary>W as jagged rows (for serialisation).</summary>
    public double[][] WRows() => Rows(_w);

    /// <summary>Largest distance of any coefficient from its nearest integer (0 for an integer rule).</summary>
    public double MaxDistanceToInteger() => All().Max(x => Math.Abs(x - Math.Round(x)));

    /// <summary>Every coefficient rounded to the nearest integer and clamped to [−<paramref name="bound"/>, bound].</summary>
    /// <param name="bound">Largest absolute value kept; 1 gives coefficients in {−1, 0, 1}.</param>
    public BilinearAlgorithm RoundAndClamp(int bound = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        // Adding 0.0 turns −0 into 0, so printed rules read cleanly.
        double F(double x) => Math.Clamp(Math.Round(x, MidpointRounding.ToEven), -bound, bound) + 0.0;
        return new BilinearAlgorithm(Map(_u, F), Map(_v, F), Map(_w, F));
    }

    /// <summary>The rule restricted to the given products, in the given order.</summary>
    /// <param name="slots">Product indices to keep.</param>
    public BilinearAlgorithm SelectSlots(IReadOnlyList<int> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (slots.Count == 0 || slots.Any(s => s < 0 || s >= Rank))
        {
            throw new ArgumentOutOfRangeException(nameof(slots), $"Slots must be a non-empty list of indices in [0, {Rank}).");
        }

        var d = BlockSize * BlockSize;
        var u = new double[slots.Count, d];
        var v = new double[slots.Count, d];
        var w = new double[d, slots.Count];
        for (var s = 0; s < slots.Count; s++)
        {
            for (var i = 0; i < d; i++)
            {
                u[s, i] = _u[slots[s], i];
                v[s, i] = _v[slots[s], i];
                w[i, s] = _w[i, slots[s]];
            }
        }

        return new BilinearAlgorithm(u, v, w);
    }

    /// <summary>The coefficient tensor P[i, j, k] = Σ_r U[r,i]·V[r,j]·W[k,r], flattened as ((i·d + j)·d + k).</summary>
    internal double[] CoefficientTensor()
    {
        var d = BlockSize * BlockSize;
        var p = new double[d * d * d];
        for (var r = 0; r < Rank; r++)
        {
            for (var i = 0; i < d; i++)
            {
                if (_u[r, i] == 0)
                {
                    continue;
                }

                for (var j = 0; j < d; j++)
                {
                    var uv = _u[r, i] * _v[r, j];
                    if (uv == 0)
                    {
                        continue;
                    }

                    for (var k = 0; k < d; k++)
                    {
                        p[(((i * d) + j) * d) + k] += uv * _w[k, r];
                    }
                }
            }
        }

        return p;
    }

    /// <summary>Readable U, V, W (one matrix per line group), for logs and reports.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Append(sb, "U", _u);
        Append(sb, "V", _v);
        Append(sb, "W", _w);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string name, double[,] m)
    {
        sb.Append(name).Append(" = [");
        for (var r = 0; r < m.GetLength(0); r++)
        {
            sb.Append(r == 0 ? "[" : ", [");
            for (var c = 0; c < m.GetLength(1); c++)
            {
                sb.Append(c == 0 ? string.Empty : ", ").Append(m[r, c].ToString("G6", CultureInfo.InvariantCulture));
            }

            sb.Append(']');
        }

        sb.Append(']').AppendLine();
    }

    private IEnumerable<double> All() => _u.Cast<double>().Concat(_v.Cast<double>()).Concat(_w.Cast<double>());

    private static double[][] Rows(double[,] m) =>
        Enumerable.Range(0, m.GetLength(0)).Select(r => Enumerable.Range(0, m.GetLength(1)).Select(c => m[r, c]).ToArray()).ToArray();

    private static double[,] Map(double[,] m, Func<double, double> f)
    {
        var result = new double[m.GetLength(0), m.GetLength(1)];
        for (var r = 0; r < m.GetLength(0); r++)
        {
            for (var c = 0; c < m.GetLength(1); c++)
            {
                result[r, c] = f(m[r, c]);
            }
        }

        return result;
    }
}

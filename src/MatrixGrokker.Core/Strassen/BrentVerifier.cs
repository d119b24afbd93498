namespace MatrixGrokker.Strassen;

/// <summary>Outcome of checking a rule against the Brent equations.</summary>
/// <param name="Holds">True when every equation holds exactly: the rule computes A·B for all A, B.</param>
/// <param name="BlockSize">n₀ of the rule.</param>
/// <param name="Rank">Number of slots of the rule as given.</param>
/// <param name="ActiveProducts">Slots whose U row, V row and W column are all non-zero (the products that matter).</param>
/// <param name="Equations">Number of equations checked, n₀⁶.</param>
/// <param name="Violations">Number of (i, j, k) triples where the coefficient tensor differs from the product tensor.</param>
/// <param name="MaxAbsViolation">Largest |P − T| over all triples (an exact integer).</param>
public sealed record BrentVerification(
    bool Holds, int BlockSize, int Rank, int ActiveProducts, int Equations, int Violations, long MaxAbsViolation);

/// <summary>
/// Exact verification of a bilinear rule: for every index triple (i, j, k) of vec(A), vec(B), vec(C),
/// Σ_r U[r,i]·V[r,j]·W[k,r] must equal the matrix-multiplication tensor T[i,j,k] (1 when i = (m,p), j = (p,q),
/// k = (m,q), else 0). Computed in 64-bit integer arithmetic, so there is no rounding tolerance.
/// </summary>
public static class BrentVerifier
{
    /// <summary>Checks an integer rule. Non-integer coefficients are rejected (round them first).</summary>
    /// <param name="algorithm">The rule.</param>
    public static BrentVerification Verify(BilinearAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        var n = algorithm.BlockSize;
        var d = n * n;
        var rank = algorithm.Rank;
        var u = ToIntegers(rank, d, algorithm.UAt, "U");
        var v = ToIntegers(rank, d, algorithm.VAt, "V");
        var w = ToIntegers(d, rank, algorithm.WAt, "W");

        var violations = 0;
        long maxViolation = 0;
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                for (var k = 0; k < d; k++)
                {
                    long sum = 0;
                    for (var r = 0; r < rank; r++)
                    {
                        sum = checked(sum + checked(u[r, i] * v[r, j] * w[k, r]));
                    }

                    var diff = Math.Abs(sum - ProductTensor(n, i, j, k));
                    if (diff != 0)
                    {
                        violations++;
                        maxViolation = Math.Max(maxViolation, diff);
                    }
                }
            }
        }

        var active = 0;
        for (var r = 0; r < rank; r++)
        {
            bool NonZero(Func<int, long> f) => Enumerable.Range(0, d).Any(x => f(x) != 0);
            if (NonZero(x => u[r, x]) && NonZero(x => v[r, x]) && NonZero(x => w[x, r]))
            {
                active++;
            }
        }

        return new BrentVerification(violations == 0, n, rank, active, d * d * d, violations, maxViolation);
    }

    /// <summary>T[i, j, k] of n×n matrix multiplication in row-major flattening.</summary>
    internal static int ProductTensor(int n, int i, int j, int k)
    {
        int m = i / n, p = i % n, p2 = j / n, q = j % n, m2 = k / n, q2 = k % n;
        return p == p2 && m == m2 && q == q2 ? 1 : 0;
    }

    private static long[,] ToIntegers(int rows, int cols, Func<int, int, double> at, string name)
    {
        var result = new long[rows, cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var x = at(r, c);
                if (x != Math.Round(x) || Math.Abs(x) > 1 << 20)
                {
                    throw new ArgumentException(
                        $"{name}[{r}, {c}] = {x} is not an integer of magnitude ≤ 2^20; the Brent check is exact and needs integer coefficients (round them first).",
                        "algorithm");
                }

                result[r, c] = (long)x;
            }
        }

        return result;
    }
}

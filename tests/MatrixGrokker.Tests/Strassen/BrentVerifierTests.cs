using MatrixGrokker.Strassen;

namespace MatrixGrokker.Tests.Strassen;

public class BrentVerifierTests
{
    [Fact]
    public void Canonical_strassen_satisfies_all_64_equations_with_7_products()
    {
        var result = BrentVerifier.Verify(BilinearAlgorithm.Strassen);
        Assert.True(result.Holds);
        Assert.Equal(7, result.Rank);
        Assert.Equal(7, result.ActiveProducts);
        Assert.Equal(64, result.Equations);
        Assert.Equal(0, result.Violations);
    }

    [Fact]
    public void Flipping_the_sign_of_any_single_coefficient_of_strassen_breaks_it()
    {
        var s = BilinearAlgorithm.Strassen;
        var flips = 0;
        foreach (var (matrix, rows, cols) in new[] { ("U", 7, 4), ("V", 7, 4), ("W", 4, 7) })
        {
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < cols; c++)
                {
                    var (u, v, w) = (s.GetU(), s.GetV(), s.GetW());
                    var target = matrix switch { "U" => u, "V" => v, _ => w };
                    if (target[r, c] == 0)
                    {
                        continue;
                    }

                    target[r, c] = -target[r, c];
                    var result = BrentVerifier.Verify(new BilinearAlgorithm(u, v, w));
                    Assert.False(result.Holds, $"{matrix}[{r},{c}] flipped still verified");
                    Assert.True(result.Violations > 0);
                    Assert.Equal(2, result.MaxAbsViolation);
                    flips++;
                }
            }
        }

        Assert.Equal(36, flips); // 12 non-zeros in each of U, V, W
    }

    [Theory]
    [InlineData(2, 8)]
    [InlineData(3, 27)]
    public void Schoolbook_rule_is_a_correct_non_strassen_algorithm_of_rank_n_cubed(int n, int rank)
    {
        var naive = BilinearAlgorithm.Naive(n);
        var result = BrentVerifier.Verify(naive);
        Assert.True(result.Holds);
        Assert.Equal(rank, result.Rank);
        Assert.Equal(rank, result.ActiveProducts);
        Assert.Equal(n * n * n * n * n * n, result.Equations);
    }

    [Fact]
    public void Dropping_a_product_from_the_schoolbook_rule_fails_exactly_one_equation()
    {
        var seven = BilinearAlgorithm.Naive(2).SelectSlots([0, 1, 2, 3, 4, 5, 6]);
        var result = BrentVerifier.Verify(seven);
        Assert.False(result.Holds);
        Assert.Equal(1, result.Violations);
        Assert.Equal(1, result.MaxAbsViolation);
    }

    [Fact]
    public void Non_integer_coefficients_are_rejected_with_the_offending_entry_named()
    {
        var u = BilinearAlgorithm.Strassen.GetU();
        u[2, 0] = 0.999;
        var rule = new BilinearAlgorithm(u, BilinearAlgorithm.Strassen.GetV(), BilinearAlgorithm.Strassen.GetW());
        var ex = Assert.Throws<ArgumentException>(() => BrentVerifier.Verify(rule));
        Assert.Contains("U[2, 0]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatched_shapes_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new BilinearAlgorithm(new double[7, 4], new double[6, 4], new double[4, 7]));
        Assert.Contains("V is [6, 4]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new BilinearAlgorithm(new double[7, 3], new double[7, 3], new double[3, 7]));
    }
}

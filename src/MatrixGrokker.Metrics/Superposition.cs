namespace MatrixGrokker.Metrics;

/// <summary>Superposition and effective rank of a weight matrix, from its singular values.</summary>
public static class Superposition
{
    /// <summary>
    /// SP = clip(1 − Σ_{i≤k} σ_i / Σ_i σ_i, 0, 1): the share of the spectrum outside the top <paramref name="topK"/>
    /// directions. 0 for a matrix of rank ≤ k, 1 − k/n for the n×n identity. 0 for an all-zero matrix; NaN when any
    /// value is not finite.
    /// </summary>
    /// <param name="singularValues">Singular values (any order; sorted here).</param>
    /// <param name="topK">k, at least 1.</param>
    public static double FromSingularValues(IReadOnlyList<double> singularValues, int topK)
    {
        ArgumentNullException.ThrowIfNull(singularValues);
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        var sorted = Sorted(singularValues);
        if (sorted is null)
        {
            return double.NaN;
        }

        var total = sorted.Sum();
        if (total <= 0)
        {
            return 0;
        }

        var top = sorted.Take(topK).Sum();
        return Math.Clamp(1 - top / total, 0, 1);
    }

    /// <summary>
    /// Entropy effective rank exp(−Σ p_i ln p_i) with p_i = σ_i / Σσ (Roy and Vetterli): n for the n×n identity, 1 for
    /// rank 1. 0 for an all-zero matrix; NaN when any value is not finite.
    /// </summary>
    /// <param name="singularValues">Singular values.</param>
    public static double EffectiveRank(IReadOnlyList<double> singularValues)
    {
        ArgumentNullException.ThrowIfNull(singularValues);
        var sorted = Sorted(singularValues);
        if (sorted is null)
        {
            return double.NaN;
        }

        var total = sorted.Sum();
        if (total <= 0)
        {
            return 0;
        }

        double entropy = 0;
        foreach (var s in sorted)
        {
            var p = s / total;
            if (p > 0)
            {
                entropy -= p * Math.Log(p);
            }
        }

        return Math.Exp(entropy);
    }

    // Descending copy; null when a value is not finite. Negative values cannot be singular values.
    private static double[]? Sorted(IReadOnlyList<double> values)
    {
        var copy = values.ToArray();
        foreach (var v in copy)
        {
            if (!double.IsFinite(v))
            {
                return null;
            }

            if (v < 0)
            {
                throw new ArgumentException($"Singular values are non-negative; got {v}.", nameof(values));
            }
        }

        Array.Sort(copy, static (a, b) => b.CompareTo(a));
        return copy;
    }
}

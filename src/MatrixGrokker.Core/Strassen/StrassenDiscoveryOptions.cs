namespace MatrixGrokker.Strassen;

/// <summary>What the discovery optimises.</summary>
public enum DiscoveryObjective
{
    /// <summary>
    /// Mean squared error of the rule on fresh batches of random Gaussian matrix pairs: learning from data. Its
    /// expectation is exactly <see cref="TensorResidual"/> (for N(0, 1) entries), with noise that vanishes as the rule
    /// becomes exact.
    /// </summary>
    SampledProducts,

    /// <summary>Σ (P − T)² over the coefficient tensor P and the matrix-multiplication tensor T: the noise-free expectation.</summary>
    TensorResidual,
}

/// <summary>
/// Settings of <see cref="StrassenDiscovery"/>. Phase boundaries are fractions of <see cref="Steps"/>; defaults are the
/// measured protocol described in docs/strassen.md.
/// </summary>
public sealed class StrassenDiscoveryOptions
{
    /// <summary>n₀ of the rule to discover. Default 2.</summary>
    public int BlockSize { get; set; } = 2;

    /// <summary>Products (slots) while training; the surplus is pruned. Default 8.</summary>
    public int Slots { get; set; } = 8;

    /// <summary>Slots kept after pruning by importance ‖U_r‖·‖V_r‖·‖W_:,r‖. Default 7 (Strassen's rank).</summary>
    public int TargetRank { get; set; } = 7;

    /// <summary>Optimisation steps per attempt. Default 12000.</summary>
    public int Steps { get; set; } = 12_000;

    /// <summary>Adam learning rate. Default 0.01.</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>Standard deviation of the Gaussian initialisation. Default 0.5.</summary>
    public double InitStd { get; set; } = 0.5;

    /// <summary>Initialise V as a copy of U (the symmetric start). Default false.</summary>
    public bool SymmetricInit { get; set; }

    /// <summary>What each step minimises. Default <see cref="DiscoveryObjective.SampledProducts"/>.</summary>
    public DiscoveryObjective Objective { get; set; } = DiscoveryObjective.SampledProducts;

    /// <summary>Matrix pairs per step for <see cref="DiscoveryObjective.SampledProducts"/>. Default 64.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Fraction of the steps after which the L1 penalty starts to ramp up. Default 1/6.</summary>
    public double L1Start { get; set; } = 1.0 / 6;

    /// <summary>Fraction of the steps at which the L1 penalty reaches <see cref="L1Weight"/>. Default 1/2.</summary>
    public double L1FullAt { get; set; } = 0.5;

    /// <summary>Largest L1 weight (times Σ|θ|). Default 3e-2.</summary>
    public double L1Weight { get; set; } = 3e-2;

    /// <summary>Fraction of the steps at which surplus slots are pruned. Default 0.05.</summary>
    public double PruneAt { get; set; } = 0.05;

    /// <summary>Fraction of the steps after which the rounding penalty Σ(θ − round θ)² ramps up. Default 7/12.</summary>
    public double RoundingStart { get; set; } = 7.0 / 12;

    /// <summary>Rounding-penalty weight reached at the last step. Default 1.</summary>
    public double RoundingWeight { get; set; } = 1.0;

    /// <summary>Fade the L1 weight to 0 while the rounding penalty ramps up, so coefficients settle on integers. Default true.</summary>
    public bool FadeL1 { get; set; } = true;

    /// <summary>
    /// An attempt whose tensor residual is still at least this when the L1 ramp starts is abandoned and restarted: it
    /// sits in a rank-deficient minimum (typically 7 of the 8 schoolbook products, residual exactly 1) that the later
    /// phases cannot leave. 0 disables the check. Default 0.5.
    /// </summary>
    public double AbandonResidual { get; set; } = 0.5;

    /// <summary>Restarts with fresh initialisations stop once this much time has been used. Default 30 s.</summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most attempts per seed. Default 100.</summary>
    public int MaxAttempts { get; set; } = 100;

    /// <summary>A trace point (loss, residual, δ) is recorded every this many steps. Default 100.</summary>
    public int TraceEvery { get; set; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        static void Fraction(double x, string name)
        {
            if (!(x >= 0 && x <= 1))
            {
                throw new ArgumentOutOfRangeException(name, x, $"{name} is a fraction of the steps and must be in [0, 1].");
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1, nameof(BlockSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Slots, 1, nameof(Slots));
        if (TargetRank < 1 || TargetRank > Slots)
        {
            throw new ArgumentOutOfRangeException(nameof(TargetRank), TargetRank, $"TargetRank must be in [1, Slots = {Slots}].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        if (!(LearningRate > 0 && LearningRate <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be in (0, 10].");
        }

        if (!(InitStd > 0 && double.IsFinite(InitStd)))
        {
            throw new ArgumentOutOfRangeException(nameof(InitStd), InitStd, "InitStd must be a positive finite number.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        Fraction(L1Start, nameof(L1Start));
        Fraction(L1FullAt, nameof(L1FullAt));
        Fraction(PruneAt, nameof(PruneAt));
        Fraction(RoundingStart, nameof(RoundingStart));
        if (L1FullAt < L1Start)
        {
            throw new ArgumentException($"L1FullAt ({L1FullAt}) must not precede L1Start ({L1Start}).", nameof(L1FullAt));
        }

        if (!(L1Weight >= 0 && double.IsFinite(L1Weight)))
        {
            throw new ArgumentOutOfRangeException(nameof(L1Weight), L1Weight, "L1Weight must be a finite number ≥ 0.");
        }

        if (!(RoundingWeight >= 0 && double.IsFinite(RoundingWeight)))
        {
            throw new ArgumentOutOfRangeException(nameof(RoundingWeight), RoundingWeight, "RoundingWeight must be a finite number ≥ 0.");
        }

        if (!(AbandonResidual >= 0 && double.IsFinite(AbandonResidual)))
        {
            throw new ArgumentOutOfRangeException(nameof(AbandonResidual), AbandonResidual, "AbandonResidual must be a finite number ≥ 0 (0 disables).");
        }

        if (TimeBudget <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), TimeBudget, "TimeBudget must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(TraceEvery, 1, nameof(TraceEvery));
    }
}

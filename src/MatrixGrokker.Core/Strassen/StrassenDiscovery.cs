using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MatrixGrokker.Strassen;

/// <summary>One recorded point of an attempt's optimisation.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="Loss">The minimised objective at that step (data or tensor loss plus the active penalties).</param>
/// <param name="Residual">Exact tensor residual Σ(P − T)² of the current continuous rule.</param>
/// <param name="Delta">δ = max|θ − round θ| over the live coefficients.</param>
/// <param name="ActiveSlots">Slots not pruned yet.</param>
public sealed record DiscoveryTracePoint(int Step, double Loss, double Residual, double Delta, int ActiveSlots);

/// <summary>One optimisation run from one initialisation, with its rounded rule and the exact verdict.</summary>
/// <param name="Index">0-based attempt number within its seed.</param>
/// <param name="Verified">
/// True when the rounded rule satisfies the Brent equations exactly and uses at most
/// <see cref="StrassenDiscoveryOptions.TargetRank"/> products (an exact rule with more, such as the schoolbook one, is not a discovery).
/// </param>
/// <param name="Delta">δ = max|θ − round θ| of the continuous rule just before rounding.</param>
/// <param name="Residual">Tensor residual of the continuous rule before rounding.</param>
/// <param name="Continuous">The learned rule before rounding (kept slots only).</param>
/// <param name="Rounded">The rule after rounding and clamping to {−1, 0, 1}.</param>
/// <param name="Verification">The Brent check of <paramref name="Rounded"/>.</param>
/// <param name="Elapsed">Wall time of the attempt.</param>
/// <param name="Trace">Loss, residual and δ over the attempt.</param>
/// <param name="Abandoned">True when the attempt was stopped early in a rank-deficient minimum (see <see cref="StrassenDiscoveryOptions.AbandonResidual"/>).</param>
public sealed record DiscoveryAttempt(
    int Index,
    bool Verified,
    double Delta,
    double Residual,
    BilinearAlgorithm Continuous,
    BilinearAlgorithm Rounded,
    BrentVerification Verification,
    TimeSpan Elapsed,
    IReadOnlyList<DiscoveryTracePoint> Trace,
    bool Abandoned);

/// <summary>Outcome of <see cref="StrassenDiscovery.Run"/> for one seed.</summary>
/// <param name="Seed">The seed.</param>
/// <param name="Verified">True when some attempt produced a rule that passed the exact Brent check. Nothing else counts.</param>
/// <param name="Algorithm">The verified rule (integer coefficients), or null.</param>
/// <param name="Attempts">Every attempt, in order; the last one is the verified one when <paramref name="Verified"/>.</param>
/// <param name="Elapsed">Wall time for the seed.</param>
public sealed record DiscoveryResult(
    int Seed, bool Verified, BilinearAlgorithm? Algorithm, IReadOnlyList<DiscoveryAttempt> Attempts, TimeSpan Elapsed)
{
    /// <summary>The last attempt (the verified one on success).</summary>
    public DiscoveryAttempt FinalAttempt => Attempts[^1];

    /// <summary>δ before rounding of <see cref="FinalAttempt"/>.</summary>
    public double Delta => FinalAttempt.Delta;

    /// <summary>Products of the final rounded rule that are non-zero in U, V and W.</summary>
    public int Slots => FinalAttempt.Verification.ActiveProducts;
}

/// <summary>
/// Discovers an exact rank-<see cref="StrassenDiscoveryOptions.TargetRank"/> bilinear rule (Strassen's, for 2×2 and
/// rank 7) by gradient descent from a random start: Adam on the data (or tensor) loss, an L1 ramp that makes the
/// solution sparse, pruning of the surplus slots by importance, a rounding penalty that pulls coefficients to integers,
/// then rounding, clamping to {−1, 0, 1} and the exact Brent check. Attempts restart from fresh initialisations until
/// one verifies or the time budget is used. No known algorithm is used anywhere: only the rule's own products and the
/// definition of matrix multiplication.
/// </summary>
/// <remarks>
/// The model has 3·R·n₀² parameters (96 for 2×2 with 8 slots), so the optimiser runs on plain managed doubles with a
/// hand-written Adam; per-op dispatch of a tensor library would cost more than the arithmetic (see docs/strassen.md).
/// </remarks>
public sealed partial class StrassenDiscovery
{
    private readonly StrassenDiscoveryOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the discovery; options are validated here.</summary>
    /// <param name="options">Protocol settings.</param>
    /// <param name="logger">Per-attempt progress.</param>
    public StrassenDiscovery(StrassenDiscoveryOptions options, ILogger<StrassenDiscovery>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Runs attempts for <paramref name="seed"/> until one verifies, the budget is used or cancellation.</summary>
    /// <param name="seed">Seed of every random stream of the run (initialisations and data).</param>
    /// <param name="cancellationToken">Stops between attempts and every few hundred steps.</param>
    public DiscoveryResult Run(int seed, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var attempts = new List<DiscoveryAttempt>();
        for (var index = 0; index < _options.MaxAttempts; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attempt = RunAttempt(seed, index, cancellationToken);
            attempts.Add(attempt);
            LogAttempt(_logger, seed, index, attempt.Verified, attempt.Abandoned, attempt.Delta, attempt.Residual, attempt.Elapsed.TotalSeconds);
            if (attempt.Verified)
            {
                return new DiscoveryResult(seed, true, attempt.Rounded, attempts, clock.Elapsed);
            }

            if (clock.Elapsed >= _options.TimeBudget)
            {
                break;
            }
        }

        return new DiscoveryResult(seed, false, null, attempts, clock.Elapsed);
    }

    /// <summary>One attempt from the initialisation determined by (seed, index).</summary>
    internal DiscoveryAttempt RunAttempt(int seed, int index, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var o = _options;
        var random = new Random(unchecked((seed * 1_000_003) + (index * 7919) + 17));
        var state = new BilinearState(o.BlockSize, o.Slots);
        state.Initialise(random, o.InitStd, o.SymmetricInit);
        var adam = new Adam(state.Theta.Length, o.LearningRate);
        var grad = new double[state.Theta.Length];
        var trace = new List<DiscoveryTracePoint>();
        var sampler = o.Objective == DiscoveryObjective.SampledProducts ? new GaussianBatch(state.D, o.BatchSize, random) : null;

        var l1Start = (int)(o.L1Start * o.Steps);
        var l1Full = (int)(o.L1FullAt * o.Steps);
        var pruneAt = Math.Min((int)(o.PruneAt * o.Steps), o.Steps - 1); // PruneAt = 1 must still prune, at the last step
        var roundStart = (int)(o.RoundingStart * o.Steps);
        var pruned = o.TargetRank == o.Slots;
        var abandoned = false;
        for (var step = 0; step < o.Steps; step++)
        {
            // Judging an attempt at step 0 would judge only its random start.
            if (step == l1Start && step > 0 && o.AbandonResidual > 0 && state.Residual() >= o.AbandonResidual)
            {
                trace.Add(new DiscoveryTracePoint(step, state.Residual(), state.Residual(), state.Delta(), state.ActiveCount));
                abandoned = true;
                break;
            }

            if (!pruned && step >= pruneAt)
            {
                state.PruneTo(o.TargetRank);
                adam.Reset();
                pruned = true;
            }

            var l1 = step < l1Start ? 0 : o.L1Weight * Math.Min(1, (step - l1Start + 1) / (double)Math.Max(1, l1Full - l1Start));
            var roundingProgress = step < roundStart ? 0 : (step - roundStart + 1) / (double)Math.Max(1, o.Steps - roundStart);
            var rounding = o.RoundingWeight * roundingProgress;
            if (o.FadeL1)
            {
                l1 *= 1 - roundingProgress;
            }

            Array.Clear(grad);
            var loss = sampler is null ? state.ResidualGradient(grad) : state.SampledGradient(sampler, grad);
            loss += state.AddPenalties(grad, l1, rounding);
            adam.Step(state.Theta, grad);

            if ((step + 1) % o.TraceEvery == 0 || step == o.Steps - 1)
            {
                trace.Add(new DiscoveryTracePoint(step + 1, loss, state.Residual(), state.Delta(), state.ActiveCount));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        var continuous = state.ToAlgorithm();
        var rounded = continuous.RoundAndClamp(1);
        var verification = BrentVerifier.Verify(rounded);
        // An exact rule with more products than asked for (e.g. the 8-product schoolbook rule) is not a discovery.
        var found = verification.Holds && UsedProducts(rounded) <= o.TargetRank;
        return new DiscoveryAttempt(index, found, state.Delta(), state.Residual(), continuous, rounded, verification, clock.Elapsed, trace, abandoned);
    }

    // Products whose U row, V row and W column are all non-zero: a product with a zero factor contributes nothing.
    private static int UsedProducts(BilinearAlgorithm rule)
    {
        var d = rule.BlockSize * rule.BlockSize;
        var used = 0;
        for (var r = 0; r < rule.Rank; r++)
        {
            bool Any(Func<int, double> f) => Enumerable.Range(0, d).Any(i => f(i) != 0);
            if (Any(i => rule.UAt(r, i)) && Any(i => rule.VAt(r, i)) && Any(i => rule.WAt(i, r)))
            {
                used++;
            }
        }

        return used;
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Seed {Seed} attempt {Attempt}: verified {Verified} (abandoned early {Abandoned}), δ {Delta:G3}, residual {Residual:G3}, {Seconds:F2} s")]
    private static partial void LogAttempt(ILogger logger, int seed, int attempt, bool verified, bool abandoned, double delta, double residual, double seconds);

    /// <summary>Adam on a flat parameter vector (β₁ 0.9, β₂ 0.999, ε 1e-8).</summary>
    private sealed class Adam(int size, double learningRate)
    {
        private readonly double[] _m = new double[size];
        private readonly double[] _v = new double[size];
        private int _t;

        public void Reset()
        {
            Array.Clear(_m);
            Array.Clear(_v);
            _t = 0;
        }

        public void Step(double[] theta, double[] grad)
        {
            _t++;
            var c1 = 1 - Math.Pow(0.9, _t);
            var c2 = 1 - Math.Pow(0.999, _t);
            for (var i = 0; i < theta.Length; i++)
            {
                var g = grad[i];
                _m[i] = (0.9 * _m[i]) + (0.1 * g);
                _v[i] = (0.999 * _v[i]) + (0.001 * g * g);
                theta[i] -= learningRate * (_m[i] / c1) / (Math.Sqrt(_v[i] / c2) + 1e-8);
            }
        }
    }
}

/// <summary>Fresh batches of Gaussian matrix pairs and their exact products, reused in place.</summary>
internal sealed class GaussianBatch
{
    private readonly Random _random;
    private readonly int _n;

    public GaussianBatch(int d, int size, Random random)
    {
        _random = random;
        _n = (int)Math.Round(Math.Sqrt(d));
        Size = size;
        A = new double[size, d];
        B = new double[size, d];
        C = new double[size, d];
    }

    public int Size { get; }

    public double[,] A { get; }

    public double[,] B { get; }

    public double[,] C { get; }

    public void Draw()
    {
        var d = _n * _n;
        for (var s = 0; s < Size; s++)
        {
            for (var i = 0; i < d; i++)
            {
                A[s, i] = BilinearState.Gaussian(_random);
                B[s, i] = BilinearState.Gaussian(_random);
            }

            for (var m = 0; m < _n; m++)
            {
                for (var q = 0; q < _n; q++)
                {
                    double sum = 0;
                    for (var p = 0; p < _n; p++)
                    {
                        sum += A[s, (m * _n) + p] * B[s, (p * _n) + q];
                    }

                    C[s, (m * _n) + q] = sum;
                }
            }
        }
    }
}

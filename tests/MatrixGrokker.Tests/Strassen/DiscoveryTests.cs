using MatrixGrokker.Strassen;

namespace MatrixGrokker.Tests.Strassen;

public class DiscoveryTests
{
    private static readonly int[] PowersOfTwo = [2, 4, 8, 16, 32, 64];

    [Fact]
    public void Discovery_from_sampled_products_finds_an_exact_rank_7_rule_that_multiplies_64x64()
    {
        // Seed 2's first attempt verifies (measured); one attempt of 12,000 steps takes about a second.
        var options = new StrassenDiscoveryOptions { MaxAttempts = 1 };
        var result = new StrassenDiscovery(options).Run(seed: 2);

        Assert.True(result.Verified);
        var rule = result.Algorithm!;
        Assert.Equal(7, rule.Rank);
        Assert.Equal(7, result.Slots);
        Assert.True(rule.IsInteger);
        Assert.True(BrentVerifier.Verify(rule).Holds);
        Assert.InRange(result.Delta, 0, 0.05);
        var checks = BilinearRecursion.Check(rule, PowersOfTwo, samples: 2, seed: 7);
        Assert.All(checks, c => Assert.True(c.RelativeError < 1e-5, $"n={c.Size}: {c.RelativeError}"));

        // The trace shows the path: the residual falls, and δ ends near 0 once the rounding penalty has acted.
        var trace = result.FinalAttempt.Trace;
        Assert.True(trace[^1].Residual < trace[0].Residual / 100);
        Assert.True(trace[^1].Delta < trace[trace.Count / 2].Delta);
        Assert.Equal(8, trace[0].ActiveSlots);
        Assert.Equal(7, trace[^1].ActiveSlots);
    }

    [Fact]
    public void Same_seed_gives_the_same_rule_and_the_tensor_objective_also_discovers()
    {
        var options = new StrassenDiscoveryOptions { Objective = DiscoveryObjective.TensorResidual, MaxAttempts = 10 };
        var discovery = new StrassenDiscovery(options);
        var first = discovery.Run(seed: 3);
        var second = discovery.Run(seed: 3);
        Assert.True(first.Verified);
        Assert.Equal(first.Attempts.Count, second.Attempts.Count);
        Assert.Equal(first.Algorithm!.ToString(), second.Algorithm!.ToString());
    }

    [Fact]
    public void Edge_settings_still_prune_and_optimise_and_an_exact_rule_with_too_many_products_is_no_discovery()
    {
        // PruneAt = 1 used to mean "never": the attempt kept 8 slots and could report the schoolbook rule as found.
        var late = new StrassenDiscovery(new StrassenDiscoveryOptions { PruneAt = 1, MaxAttempts = 1, Steps = 2000 }).Run(seed: 2);
        Assert.Equal(7, late.FinalAttempt.Trace[^1].ActiveSlots);
        Assert.True(!late.Verified || late.Algorithm!.Rank <= 7);

        // L1Start = 0 used to abandon every attempt at step 0, judging only the random start.
        var early = new StrassenDiscovery(new StrassenDiscoveryOptions { L1Start = 0, MaxAttempts = 1, Steps = 2000 }).Run(seed: 2);
        Assert.False(early.FinalAttempt.Abandoned);
        Assert.Equal(2000, early.FinalAttempt.Trace[^1].Step);
    }

    [Fact]
    public void Failed_attempts_are_reported_as_failures_and_not_replaced()
    {
        // Far too few steps to converge: nothing may verify, and no fallback rule may appear.
        var options = new StrassenDiscoveryOptions { Steps = 50, MaxAttempts = 3, Objective = DiscoveryObjective.TensorResidual };
        var result = new StrassenDiscovery(options).Run(seed: 1);
        Assert.False(result.Verified);
        Assert.Null(result.Algorithm);
        Assert.Equal(3, result.Attempts.Count);
        Assert.All(result.Attempts, a => Assert.False(a.Verification.Holds));
    }

    [Fact]
    public void An_attempt_stuck_in_a_rank_deficient_minimum_is_abandoned_early_and_the_seed_restarts()
    {
        // Tensor objective, seed 1000: attempt 0 falls into the residual-1 minimum (7 of 8 schoolbook products), measured.
        var options = new StrassenDiscoveryOptions { Objective = DiscoveryObjective.TensorResidual, MaxAttempts = 5 };
        var result = new StrassenDiscovery(options).Run(seed: 1000);
        var first = result.Attempts[0];
        Assert.True(first.Abandoned);
        Assert.False(first.Verified);
        Assert.InRange(first.Residual, 0.5, 1.5);
        Assert.True(first.Trace[^1].Step <= options.Steps / 6 + 1);
        Assert.True(result.Verified);
        Assert.False(result.FinalAttempt.Abandoned);

        var without = new StrassenDiscovery(new StrassenDiscoveryOptions
        {
            Objective = DiscoveryObjective.TensorResidual, MaxAttempts = 1, AbandonResidual = 0,
        }).Run(seed: 1000);
        Assert.False(without.Verified);
        Assert.Equal(options.Steps, without.FinalAttempt.Trace[^1].Step);
    }

    [Fact]
    public void Residual_gradient_matches_finite_differences()
    {
        var state = new BilinearState(2, 8);
        state.Initialise(new Random(5), 0.5, symmetric: false);
        var grad = new double[state.Theta.Length];
        state.ResidualGradient(grad);
        for (var x = 0; x < state.Theta.Length; x += 7)
        {
            var saved = state.Theta[x];
            state.Theta[x] = saved + 1e-6;
            var plus = state.Residual();
            state.Theta[x] = saved - 1e-6;
            var minus = state.Residual();
            state.Theta[x] = saved;
            Assert.Equal((plus - minus) / 2e-6, grad[x], 4);
        }
    }

    [Fact]
    public void Sampled_gradient_matches_finite_differences_on_the_same_batch()
    {
        var state = new BilinearState(2, 8);
        state.Initialise(new Random(6), 0.5, symmetric: false);
        double Loss(double[] g) => state.SampledGradient(new GaussianBatch(4, 16, new Random(9)), g);
        var grad = new double[state.Theta.Length];
        Loss(grad);
        for (var x = 0; x < state.Theta.Length; x += 5)
        {
            var saved = state.Theta[x];
            state.Theta[x] = saved + 1e-6;
            var plus = Loss(new double[grad.Length]);
            state.Theta[x] = saved - 1e-6;
            var minus = Loss(new double[grad.Length]);
            state.Theta[x] = saved;
            Assert.Equal((plus - minus) / 2e-6, grad[x], 4);
        }
    }

    [Fact]
    public void Sampled_loss_averages_to_the_tensor_residual()
    {
        var state = new BilinearState(2, 7);
        state.Initialise(new Random(8), 0.5, symmetric: false);
        var batch = new GaussianBatch(4, 4000, new Random(10));
        var sampled = Enumerable.Range(0, 10).Average(_ => state.SampledGradient(batch, new double[state.Theta.Length]));
        var exact = state.Residual();
        Assert.InRange(sampled / exact, 0.95, 1.05);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_the_setting_named()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new StrassenDiscovery(new StrassenDiscoveryOptions { TargetRank = 9 }));
        Assert.Contains("TargetRank", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StrassenDiscovery(new StrassenDiscoveryOptions { PruneAt = 1.5 }));
        Assert.Throws<ArgumentException>(() => new StrassenDiscovery(new StrassenDiscoveryOptions { L1Start = 0.6, L1FullAt = 0.5 }));
    }
}

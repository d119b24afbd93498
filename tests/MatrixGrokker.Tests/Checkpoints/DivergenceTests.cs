using MatrixGrokker.Checkpoints;
using MatrixGrokker.Options;
using MatrixGrokker.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Checkpoints;

public class DivergenceTests
{
    // After step `step` completes, writes NaN into the first weight, so the next step's loss is NaN.
    private sealed class PoisonWeights(long step, bool once = true) : ITrainerCallback
    {
        private bool _done;

        public float[][]? ParametersAfterPoison { get; private set; }

        public void OnStepEnd(TrainingContext context, StepInfo info)
        {
            if (context.GlobalStep != step || (once && _done))
            {
                return;
            }

            _done = true;
            using (no_grad())
            {
                context.Model.Module.parameters().First()[0, 0] = float.NaN;
            }

            ParametersAfterPoison = CheckpointKit.Parameters(context.Model);
        }
    }

    // Right before the optimizer would apply step `step`, makes one gradient infinite (the loss stays finite), either
    // in place or by replacing the gradient tensor (which then no longer lives in the optimizer's flat buffer).
    private sealed class PoisonGradient(long step, bool replace = false) : ITrainerCallback
    {
        public float[][]? ParametersBefore { get; private set; }

        public void OnBeforeOptimizerStep(TrainingContext context, StepInfo info)
        {
            if (context.GlobalStep + 1 == step)
            {
                var last = context.Model.Module.parameters().Last();
                if (replace)
                {
                    last.grad = full_like(last, float.PositiveInfinity).DetachFromDisposeScope();
                }
                else
                {
                    last.grad!.fill_(float.PositiveInfinity);
                }

                ParametersBefore = CheckpointKit.Parameters(context.Model);
            }
        }
    }

    [Fact]
    public void A_NaN_loss_stops_training_at_that_step_before_the_update_is_applied()
    {
        var poison = new PoisonWeights(5);
        var run = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), manager: null, default, poison);

        Assert.Equal(StopReason.Diverged, run.Result.Reason);
        Assert.Equal(5, run.Result.GlobalSteps);
        var d = Assert.Single(run.Recorder.Divergences);
        Assert.Equal((6L, 1, 6, DivergenceSource.Loss, DivergenceAction.Stopped), (d.GlobalStep, d.Epoch, d.BatchIndex, d.Source, d.Action));
        Assert.True(double.IsNaN(d.Loss));
        Assert.Contains("at step 6", run.Result.Message, StringComparison.Ordinal);
        // Nothing changed after the poisoning (NaN compares equal bit for bit to itself).
        Assert.True(CheckpointKit.BitwiseEqual(poison.ParametersAfterPoison!, run.Parameters));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_infinite_gradient_with_a_finite_loss_is_caught_before_the_optimizer_step(bool replaced)
    {
        var poison = new PoisonGradient(9, replaced);
        var run = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), manager: null, default, poison);

        Assert.Equal(StopReason.Diverged, run.Result.Reason);
        var d = Assert.Single(run.Recorder.Divergences);
        Assert.Equal((9L, 2, 2, DivergenceSource.Gradient), (d.GlobalStep, d.Epoch, d.BatchIndex, d.Source));
        Assert.True(double.IsFinite(d.Loss));
        Assert.True(CheckpointKit.BitwiseEqual(poison.ParametersBefore!, run.Parameters));
    }

    [Fact]
    public void With_the_rollback_policy_training_reloads_the_last_checkpoint_and_continues_at_a_lower_rate()
    {
        using var dir = new TempFolder();
        var options = CheckpointKit.Options(epochs: 3, everyEpochs: 1);
        options.Checkpoint.OnDivergence = DivergencePolicy.Rollback;
        var run = CheckpointKit.Run(options, new CheckpointManager(dir.Path), default, new PoisonWeights(10));

        Assert.Equal(StopReason.MaxEpochs, run.Result.Reason);
        Assert.Equal(21, run.Result.GlobalSteps);
        var d = Assert.Single(run.Recorder.Divergences);
        Assert.Equal(DivergenceAction.RolledBack, d.Action);
        Assert.EndsWith("ckpt-000000000007.mgck", d.RolledBackTo, StringComparison.Ordinal);
        Assert.Equal(0.5, d.LearningRateScale);
        Assert.Equal(10 + (21 - 7), run.Recorder.Losses.Count);
        Assert.All(run.Recorder.LearningRates.Take(10), lr => Assert.Equal(1e-3, lr));
        Assert.All(run.Recorder.LearningRates.Skip(10), lr => Assert.Equal(0.5e-3, lr));
        Assert.All(run.Parameters, p => Assert.All(p, v => Assert.True(float.IsFinite(v))));
        Assert.Equal([1, 2, 3], run.Result.History.Select(h => h.Epoch));
    }

    [Fact]
    public void Rollback_gives_up_without_a_checkpoint_or_after_MaxRollbacks()
    {
        using var dir = new TempFolder();
        var options = CheckpointKit.Options(epochs: 3, everyEpochs: 1);
        options.Checkpoint.OnDivergence = DivergencePolicy.Rollback;
        var early = CheckpointKit.Run(options, new CheckpointManager(dir.Path), default, new PoisonWeights(3));
        Assert.Equal(StopReason.Diverged, early.Result.Reason);
        Assert.Contains("no checkpoint written yet", early.Result.Message, StringComparison.Ordinal);
        Assert.Empty(new CheckpointManager(dir.Path).ListFiles());

        using var dir2 = new TempFolder();
        options.Checkpoint.MaxRollbacks = 2;
        var stubborn = CheckpointKit.Run(options, new CheckpointManager(dir2.Path), default, new PoisonWeights(10, once: false));
        Assert.Equal(StopReason.Diverged, stubborn.Result.Reason);
        Assert.Equal([DivergenceAction.RolledBack, DivergenceAction.RolledBack, DivergenceAction.Stopped], stubborn.Recorder.Divergences.Select(x => x.Action));
        Assert.Equal([0.5, 0.25, 0.25], stubborn.Recorder.Divergences.Select(x => x.LearningRateScale));
        Assert.Contains("MaxRollbacks", stubborn.Result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Divergence_options_are_validated()
    {
        var options = CheckpointKit.Options(epochs: 1);
        options.Checkpoint.RollbackLearningRateFactor = 1.5;
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => OptionsGuard.ThrowIfInvalid(options));
        Assert.Contains("RollbackLearningRateFactor", ex.Message, StringComparison.Ordinal);
    }
}

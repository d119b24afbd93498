using MatrixGrokker.Checkpoints;
using MatrixGrokker.Training;

namespace MatrixGrokker.Tests.Checkpoints;

public class ResumeTests
{
    [Fact]
    public void Resuming_at_an_epoch_boundary_follows_the_uninterrupted_trajectory_bit_for_bit()
    {
        var straight = CheckpointKit.Run(CheckpointKit.Options(epochs: 4), manager: null);

        using var dir = new TempFolder();
        var first = CheckpointKit.Run(CheckpointKit.Options(epochs: 2), new CheckpointManager(dir.Path));
        var second = CheckpointKit.Run(CheckpointKit.Options(epochs: 4), new CheckpointManager(dir.Path));

        Assert.Equal(StopReason.MaxEpochs, first.Result.Reason);
        Assert.Equal(2 * CheckpointKit.StepsPerEpoch, first.Result.GlobalSteps);
        Assert.Equal(2 * CheckpointKit.StepsPerEpoch, second.Recorder.Losses.Count); // epochs 3 and 4 only
        Assert.True(CheckpointKit.BitwiseEqual([.. first.Recorder.Losses, .. second.Recorder.Losses], straight.Recorder.Losses));
        Assert.True(CheckpointKit.BitwiseEqual(second.Parameters, straight.Parameters), "final weights must match bit for bit");
        Assert.Equal(straight.Result.History.Select(h => h.ValidationLoss), second.Result.History.Select(h => h.ValidationLoss));
        Assert.Equal(4, second.Result.EpochsRun);
    }

    private sealed class WeightSum : MatrixGrokker.Analysis.IAnalyzer
    {
        public string Name => "wsum";

        public MatrixGrokker.Analysis.AnalyzerResult Analyze(MatrixGrokker.Analysis.AnalysisInput input) =>
            new(Name, input.Module.parameters().First().sum().item<float>(), new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero);
    }

    private static TrainingResult RunWithWeightSum(int epochs, int interval, CheckpointManager? manager, CancellationToken token = default, params ITrainerCallback[] extra)
    {
        var options = CheckpointKit.Options(epochs);
        options.Metrics.IntervalSteps = interval;
        using var data = new MatrixGrokker.Data.MatrixMultiplicationDataset(options.Data, 2, options.Training.Seed);
        using var model = new MatrixGrokker.Models.MlpModel(options.Model, options.Training.Seed);
        using var trainer = new Trainer(model, data, options, analyzers: [new WeightSum()], callbacks: extra, checkpoints: manager);
        return trainer.Train(token);
    }

    [Fact]
    public void A_resumed_epoch_without_an_analyzer_run_carries_the_last_values_like_an_uninterrupted_run()
    {
        // Analysis every 14 steps = after epochs 2 and 4; epoch 3 repeats epoch 2's values. Resuming after epoch 2
        // must restore them, although the report itself is not in the checkpoint.
        const int interval = 2 * CheckpointKit.StepsPerEpoch;
        var straight = RunWithWeightSum(4, interval, null).History;
        using var dir = new TempFolder();
        RunWithWeightSum(2, interval, new CheckpointManager(dir.Path));
        var resumed = RunWithWeightSum(4, interval, new CheckpointManager(dir.Path)).History;

        Assert.Equal(straight[1].Analysis["wsum"], straight[2].Analysis["wsum"]);
        Assert.NotEqual(straight[2].Analysis["wsum"], straight[3].Analysis["wsum"]);
        Assert.Equal(straight.Select(h => h.Analysis.GetValueOrDefault("wsum", double.NaN)), resumed.Select(h => h.Analysis.GetValueOrDefault("wsum", double.NaN)));
    }

    [Fact]
    public void Analyzer_values_from_inside_an_interrupted_epoch_survive_a_mid_epoch_resume()
    {
        // 7 steps per epoch, analysis every 9: the run at step 9 falls inside epoch 2, before the cancel at step 10.
        var straight = RunWithWeightSum(3, 9, null).History;
        using var dir = new TempFolder();
        using var cts = new CancellationTokenSource();
        RunWithWeightSum(3, 9, new CheckpointManager(dir.Path), cts.Token, new CancelAt(cts, 10));
        var resumed = RunWithWeightSum(3, 9, new CheckpointManager(dir.Path)).History;

        Assert.Equal(straight.Select(h => h.Analysis.GetValueOrDefault("wsum", double.NaN)), resumed.Select(h => h.Analysis.GetValueOrDefault("wsum", double.NaN)));
    }

    [Fact]
    public void Cancelling_mid_epoch_writes_a_checkpoint_and_resume_continues_at_the_same_batch_bit_for_bit()
    {
        var straight = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), manager: null);

        using var dir = new TempFolder();
        using var cts = new CancellationTokenSource();
        var cancelled = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), new CheckpointManager(dir.Path), cts.Token, new CancelAt(cts, 10));
        Assert.Equal(StopReason.Cancelled, cancelled.Result.Reason);
        Assert.Equal(10, cancelled.Result.GlobalSteps);
        var saved = Assert.Single(cancelled.Recorder.Saves);
        var info = new CheckpointManager(dir.Path).Inspect(saved.Path);
        Assert.Equal((1, 10L, 3, false), (info.CompletedEpochs, info.GlobalStep, info.BatchesIntoEpoch, info.IsFinished));

        var resumed = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), new CheckpointManager(dir.Path));
        Assert.Equal(StopReason.MaxEpochs, resumed.Result.Reason);
        Assert.True(CheckpointKit.BitwiseEqual([.. cancelled.Recorder.Losses, .. resumed.Recorder.Losses], straight.Recorder.Losses));
        Assert.True(CheckpointKit.BitwiseEqual(resumed.Parameters, straight.Parameters));
        // The interrupted epoch is reported once, with the same mean loss as in the uninterrupted run.
        Assert.Equal(straight.Result.History.Select(h => h.TrainLoss), resumed.Result.History.Select(h => h.TrainLoss));
    }

    [Fact]
    public void A_rerun_with_the_epoch_limit_below_a_mid_epoch_checkpoint_leaves_it_intact_for_a_later_resume()
    {
        var straight = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), manager: null);
        using var dir = new TempFolder();
        using var cts = new CancellationTokenSource();
        var cancelled = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), new CheckpointManager(dir.Path), cts.Token, new CancelAt(cts, 10));
        var path = Assert.Single(cancelled.Recorder.Saves).Path;
        var before = File.ReadAllBytes(path);

        var lowered = CheckpointKit.Run(CheckpointKit.Options(epochs: 1), new CheckpointManager(dir.Path));
        Assert.Empty(lowered.Recorder.Losses);
        Assert.Equal(before, File.ReadAllBytes(path)); // not overwritten by an epoch-boundary capture at the same step

        var resumed = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), new CheckpointManager(dir.Path));
        Assert.True(CheckpointKit.BitwiseEqual([.. cancelled.Recorder.Losses, .. resumed.Recorder.Losses], straight.Recorder.Losses));
        Assert.True(CheckpointKit.BitwiseEqual(resumed.Parameters, straight.Parameters));
    }

    [Fact]
    public void A_finished_run_is_recognised_on_rerun_and_continues_only_when_the_epoch_limit_is_raised()
    {
        using var dir = new TempFolder();
        var done = CheckpointKit.Run(CheckpointKit.Options(epochs: 2), new CheckpointManager(dir.Path));

        var rerun = CheckpointKit.Run(CheckpointKit.Options(epochs: 2), new CheckpointManager(dir.Path));
        Assert.Equal(StopReason.AlreadyFinished, rerun.Result.Reason);
        Assert.Contains("already finished at epoch 2", rerun.Result.Message, StringComparison.Ordinal);
        Assert.Contains("Training.Epochs", rerun.Result.Message, StringComparison.Ordinal);
        Assert.Empty(rerun.Recorder.Losses);
        Assert.Equal(2, rerun.Result.EpochsRun);
        Assert.True(CheckpointKit.BitwiseEqual(rerun.Parameters, done.Parameters), "the finished model is loaded");

        var raised = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), new CheckpointManager(dir.Path));
        Assert.Equal(StopReason.MaxEpochs, raised.Result.Reason);
        Assert.Equal(CheckpointKit.StepsPerEpoch, raised.Recorder.Losses.Count);
        Assert.Equal(3 * CheckpointKit.StepsPerEpoch, raised.Result.GlobalSteps);
    }

    [Fact]
    public void An_early_stopped_run_resumes_instead_of_looking_finished()
    {
        // The seed's bug: a run stopped early was saved as if it had reached its last epoch.
        using var dir = new TempFolder();
        var options = CheckpointKit.Options(epochs: 5);
        var stopped = CheckpointKit.Run(options, new CheckpointManager(dir.Path), default, new StopAtStep(2 * CheckpointKit.StepsPerEpoch));
        Assert.Equal(StopReason.Requested, stopped.Result.Reason);
        var info = new CheckpointManager(dir.Path).FindLatestValid()!;
        Assert.False(info.IsFinished);
        Assert.Equal((2, StopReason.Requested), (info.CompletedEpochs, info.StopReason));

        var resumed = CheckpointKit.Run(options, new CheckpointManager(dir.Path));
        Assert.Equal(StopReason.MaxEpochs, resumed.Result.Reason);
        Assert.Equal(3 * CheckpointKit.StepsPerEpoch, resumed.Recorder.Losses.Count);
        Assert.Equal(5, resumed.Result.EpochsRun);
    }

    [Fact]
    public void ForceFresh_moves_old_checkpoints_aside_and_Resume_off_refuses_to_mix_runs()
    {
        using var dir = new TempFolder();
        CheckpointKit.Run(CheckpointKit.Options(epochs: 1), new CheckpointManager(dir.Path));

        var noResume = CheckpointKit.Options(epochs: 1);
        noResume.Checkpoint.Resume = false;
        var ex = Assert.Throws<InvalidOperationException>(() => CheckpointKit.Run(noResume, new CheckpointManager(dir.Path)));
        Assert.Contains("ForceFresh", ex.Message, StringComparison.Ordinal);

        var fresh = CheckpointKit.Options(epochs: 1);
        fresh.Checkpoint.ForceFresh = true;
        var outcome = CheckpointKit.Run(fresh, new CheckpointManager(dir.Path));
        Assert.Equal(CheckpointKit.StepsPerEpoch, outcome.Recorder.Losses.Count);
        var archived = Assert.Single(Directory.GetDirectories(dir.Path, "superseded-*"));
        Assert.Single(Directory.GetFiles(archived, "ckpt-*.mgck"));
    }

    [Fact]
    public void A_named_checkpoint_is_resumed_instead_of_the_latest()
    {
        using var dir = new TempFolder();
        var run = CheckpointKit.Run(CheckpointKit.Options(epochs: 3, everyEpochs: 1), new CheckpointManager(dir.Path));
        Assert.Equal([1, 2, 3, 3], run.Recorder.Saves.Select(s => s.Epoch)); // the final save rewrites epoch 3 as finished

        var manager = new CheckpointManager(dir.Path) { ResumeFrom = run.Recorder.Saves[0].Path };
        var resumed = CheckpointKit.Run(CheckpointKit.Options(epochs: 3), manager);
        Assert.Equal(2 * CheckpointKit.StepsPerEpoch, resumed.Recorder.Losses.Count);
        Assert.True(CheckpointKit.BitwiseEqual(resumed.Parameters, run.Parameters));

        // ForceFresh with a named checkpoint contradicts itself: refused, nothing moved.
        var fresh = CheckpointKit.Options(epochs: 3);
        fresh.Checkpoint.ForceFresh = true;
        var files = Directory.GetFiles(dir.Path).Order().ToArray();
        var ex = Assert.Throws<ArgumentException>(() =>
            CheckpointKit.Run(fresh, new CheckpointManager(dir.Path) { ResumeFrom = run.Recorder.Saves[0].Path }));
        Assert.Contains("ForceFresh", ex.Message, StringComparison.Ordinal);
        Assert.Equal(files, Directory.GetFiles(dir.Path).Order().ToArray());
    }

    [Fact]
    public void Resuming_a_named_older_checkpoint_moves_the_abandoned_later_ones_aside()
    {
        using var dir = new TempFolder();
        var keepAll = CheckpointKit.Options(epochs: 4, everyEpochs: 1);
        keepAll.Checkpoint.KeepLast = 10;
        var first = CheckpointKit.Run(keepAll, new CheckpointManager(dir.Path));
        Assert.Equal(StopReason.MaxEpochs, first.Result.Reason);

        // Branch from epoch 1 and stop at step 10: the first run's checkpoints at steps 14, 21 and 28 (finished) are
        // another trajectory; left in place, the next plain resume would pick the finished one and train nothing.
        var manager = new CheckpointManager(dir.Path) { ResumeFrom = first.Recorder.Saves[0].Path };
        var branch = CheckpointKit.Run(CheckpointKit.Options(epochs: 4), manager, default, new StopAtStep(10));
        Assert.Equal(StopReason.Requested, branch.Result.Reason);

        var latest = new CheckpointManager(dir.Path).FindLatestValid()!;
        Assert.Equal(10, latest.GlobalStep);
        var archived = Assert.Single(Directory.GetDirectories(dir.Path, "superseded-*"));
        Assert.Equal(3, Directory.GetFiles(archived, "ckpt-*.mgck").Length);

        var resumed = CheckpointKit.Run(CheckpointKit.Options(epochs: 4), new CheckpointManager(dir.Path));
        Assert.Equal(StopReason.MaxEpochs, resumed.Result.Reason);
        Assert.Equal(4 * CheckpointKit.StepsPerEpoch - 10, resumed.Recorder.Losses.Count);
    }

    [Fact]
    public void Checkpoints_are_saved_every_K_epochs_by_wall_clock_and_at_the_end()
    {
        using var dir = new TempFolder();
        var everyTwo = CheckpointKit.Run(CheckpointKit.Options(epochs: 5, everyEpochs: 2), new CheckpointManager(dir.Path));
        Assert.Equal([2, 4, 5], everyTwo.Recorder.Saves.Select(s => s.Epoch));
        Assert.All(everyTwo.Recorder.Saves, s => Assert.True(s.Bytes > 0));
        Assert.True(File.Exists(everyTwo.Recorder.Saves[^1].Path));

        using var dir2 = new TempFolder();
        var timed = CheckpointKit.Options(epochs: 3);
        timed.Checkpoint.Interval = TimeSpan.FromTicks(1); // always due: one save per epoch
        var byTime = CheckpointKit.Run(timed, new CheckpointManager(dir2.Path));
        Assert.Equal([1, 2, 3, 3], byTime.Recorder.Saves.Select(s => s.Epoch));
    }

    private sealed class StopAtStep(long step) : ITrainerCallback
    {
        public void OnStepEnd(TrainingContext context, StepInfo info)
        {
            if (context.GlobalStep == step)
            {
                context.RequestStop("early stop for the test");
            }
        }
    }
}

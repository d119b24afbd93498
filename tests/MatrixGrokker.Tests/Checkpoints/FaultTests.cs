using System.Security.Cryptography;
using MatrixGrokker.Checkpoints;
using MatrixGrokker.Training;
using Microsoft.Extensions.Logging;

namespace MatrixGrokker.Tests.Checkpoints;

public class FaultTests
{
    // Two epochs with a checkpoint after each: ckpt-…07 (epoch 1) and ckpt-…14 (epoch 2, final).
    private static (string Older, string Newer) TwoCheckpoints(string dir)
    {
        var run = CheckpointKit.Run(CheckpointKit.Options(epochs: 2, everyEpochs: 1), new CheckpointManager(dir));
        return (run.Recorder.Saves[0].Path, run.Recorder.Saves[^1].Path);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void A_truncated_checkpoint_is_reported_and_latest_falls_back_to_the_previous_one_with_a_warning()
    {
        using var dir = new TempFolder();
        var (older, newer) = TwoCheckpoints(dir.Path);
        var bytes = File.ReadAllBytes(newer);
        File.WriteAllBytes(newer, bytes[..(bytes.Length / 2)]);

        var ex = Assert.Throws<CheckpointCorruptException>(() => new CheckpointManager(dir.Path).Inspect(newer));
        Assert.Contains(newer, ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Equal(newer, ex.Path);

        var logger = new ListLogger<CheckpointManager>();
        var latest = new CheckpointManager(dir.Path, logger).FindLatestValid();
        Assert.Equal(older, latest!.Path);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(newer, StringComparison.Ordinal));

        // A trainer resumes from the older one and redoes epoch 2.
        var resumed = CheckpointKit.Run(CheckpointKit.Options(epochs: 2), new CheckpointManager(dir.Path));
        Assert.Equal(CheckpointKit.StepsPerEpoch, resumed.Recorder.Losses.Count);
    }

    [Fact]
    public void A_flipped_byte_fails_the_checksum()
    {
        using var dir = new TempFolder();
        var (_, newer) = TwoCheckpoints(dir.Path);
        var bytes = File.ReadAllBytes(newer);
        bytes[bytes.Length - 100] ^= 0x01;
        File.WriteAllBytes(newer, bytes);

        var ex = Assert.Throws<CheckpointCorruptException>(() => new CheckpointManager(dir.Path).Inspect(newer));
        Assert.Contains("SHA-256", ex.Message, StringComparison.Ordinal);
        Assert.Contains(newer, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoints_of_another_matrix_size_or_architecture_are_refused_and_left_untouched()
    {
        using var dir = new TempFolder();
        var (older, newer) = TwoCheckpoints(dir.Path);
        var before = (Hash(older), Hash(newer));

        var bigger = CheckpointKit.Options(epochs: 3);
        bigger.Model.MatrixSize = 3;
        var ex = Assert.Throws<CheckpointIncompatibleException>(() => CheckpointKit.Run(bigger, new CheckpointManager(dir.Path)));
        Assert.Contains("Model.MatrixSize is 2 there but 3 here", ex.Message, StringComparison.Ordinal);
        Assert.Contains(newer, ex.Message, StringComparison.Ordinal);

        var wider = CheckpointKit.Options(epochs: 3);
        wider.Model.HiddenDim = 64;
        ex = Assert.Throws<CheckpointIncompatibleException>(() => CheckpointKit.Run(wider, new CheckpointManager(dir.Path)));
        Assert.Contains("Model.HiddenDim is 256 there but 64 here", ex.Message, StringComparison.Ordinal);

        Assert.Equal(before, (Hash(older), Hash(newer)));
        Assert.Equal(2, new CheckpointManager(dir.Path).ListFiles().Count);
    }

    [Fact]
    public void A_newer_format_version_is_refused_by_name_and_kept()
    {
        using var dir = new TempFolder();
        var (_, newer) = TwoCheckpoints(dir.Path);
        var bytes = File.ReadAllBytes(newer);
        bytes[8] = (byte)(CheckpointManager.FormatVersion + 1);
        File.WriteAllBytes(newer, bytes);

        var ex = Assert.Throws<CheckpointVersionException>(() => CheckpointKit.Run(CheckpointKit.Options(epochs: 3), new CheckpointManager(dir.Path)));
        Assert.Equal(CheckpointManager.FormatVersion + 1, ex.FileVersion);
        Assert.Contains(newer, ex.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(newer));
    }

    [Fact]
    public void A_missing_named_checkpoint_and_an_unusable_folder_are_reported_before_training()
    {
        using var dir = new TempFolder();
        var missing = Path.Combine(dir.Path, "nope", "ckpt-000000000001.mgck");
        var notFound = Assert.Throws<CheckpointNotFoundException>(() =>
            CheckpointKit.Run(CheckpointKit.Options(epochs: 1), new CheckpointManager(dir.Path) { ResumeFrom = missing }));
        Assert.Contains(missing, notFound.Message, StringComparison.Ordinal);

        // A folder below a regular file cannot be created, even by root (permission bits would not stop root).
        Directory.CreateDirectory(dir.Path);
        var file = Path.Combine(dir.Path, "plain-file");
        File.WriteAllText(file, "x");
        var below = Path.Combine(file, "checkpoints");
        var counter = new RunRecorder();
        var ex = Assert.Throws<CheckpointWriteException>(() =>
            CheckpointKit.Run(CheckpointKit.Options(epochs: 1), new CheckpointManager(below), default, counter));
        Assert.Contains(below, ex.Message, StringComparison.Ordinal);
        Assert.Empty(counter.Losses);
    }

    [Fact]
    public void Disk_full_during_a_write_fails_clearly_and_keeps_the_previous_checkpoint()
    {
        using var dir = new TempFolder();
        var manager = new CheckpointManager(dir.Path);
        var opened = 0;
        manager.OpenWrite = path => ++opened == 1
            ? new FileStream(path, FileMode.Create)
            : new FullDiskStream(new FileStream(path, FileMode.Create), capacity: 4096);

        var ex = Assert.Throws<CheckpointWriteException>(() =>
            CheckpointKit.Run(CheckpointKit.Options(epochs: 2, everyEpochs: 1), manager));
        Assert.Contains("No space left on device", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ckpt-000000000014.mgck", ex.Message, StringComparison.Ordinal);

        var files = Directory.GetFiles(dir.Path);
        var only = Assert.Single(files);
        Assert.EndsWith("ckpt-000000000007.mgck", only, StringComparison.Ordinal);
        Assert.Equal(7, new CheckpointManager(dir.Path).Inspect(only).GlobalStep);
    }

    [Fact]
    public void An_incompatible_optimizer_state_is_found_before_the_model_is_touched()
    {
        using var dir = new TempFolder();
        CheckpointKit.Run(CheckpointKit.Options(epochs: 1), new CheckpointManager(dir.Path));

        // Same architecture, but a frozen first layer: the optimizer holds fewer values than the checkpoint's moments.
        var options = CheckpointKit.Options(epochs: 2);
        using var data = new MatrixGrokker.Data.MatrixMultiplicationDataset(options.Data, 2, options.Training.Seed);
        using var model = new MatrixGrokker.Models.MlpModel(options.Model, options.Training.Seed);
        model.Layers[0].weight!.requires_grad = false;
        var before = CheckpointKit.Parameters(model);
        using var trainer = new Trainer(model, data, options, checkpoints: new CheckpointManager(dir.Path));

        var ex = Assert.Throws<CheckpointIncompatibleException>(() => trainer.Train());
        Assert.Contains("optimizer holds", ex.Message, StringComparison.Ordinal);
        Assert.True(CheckpointKit.BitwiseEqual(before, CheckpointKit.Parameters(model)), "the model must be left as it was");
    }

    private sealed class FailureSink : ITrainerCallback
    {
        public List<CheckpointWriteException> Failures { get; } = [];

        public void OnCheckpointFailed(TrainingContext context, CheckpointWriteException exception) => Failures.Add(exception);
    }

    [Fact]
    public void With_ContinueOnSaveFailure_a_full_disk_costs_the_checkpoints_not_the_run()
    {
        using var dir = new TempFolder();
        var manager = new CheckpointManager(dir.Path);
        var opened = 0;
        manager.OpenWrite = path => ++opened is 2 or 3 // the saves after epochs 2 and 3 hit a full disk
            ? new FullDiskStream(new FileStream(path, FileMode.Create), capacity: 4096)
            : new FileStream(path, FileMode.Create);
        var options = CheckpointKit.Options(epochs: 4, everyEpochs: 1);
        options.Checkpoint.ContinueOnSaveFailure = true;
        var sink = new FailureSink();

        var run = CheckpointKit.Run(options, manager, default, sink);
        var straight = CheckpointKit.Run(CheckpointKit.Options(epochs: 4), manager: null);

        Assert.Equal(StopReason.MaxEpochs, run.Result.Reason);
        Assert.Equal(["ckpt-000000000014.mgck", "ckpt-000000000021.mgck"], sink.Failures.Select(f => Path.GetFileName(f.Path)));
        Assert.All(sink.Failures, f => Assert.Contains("No space left on device", f.Message, StringComparison.Ordinal));
        Assert.True(CheckpointKit.BitwiseEqual(run.Recorder.Losses, straight.Recorder.Losses), "failed saves must not change training");
        Assert.Equal(["ckpt-000000000007.mgck", "ckpt-000000000028.mgck"], Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)!).Order());
        Assert.Equal(28, new CheckpointManager(dir.Path).FindLatestValid()!.GlobalStep);
    }

    [Fact]
    public void A_folder_with_only_unreadable_checkpoints_is_an_error_not_a_silent_fresh_start()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path);
        File.WriteAllText(Path.Combine(dir.Path, "ckpt-000000000003.mgck"), new string('x', 200));
        var ex = Assert.Throws<CheckpointCorruptException>(() => CheckpointKit.Run(CheckpointKit.Options(epochs: 1), new CheckpointManager(dir.Path)));
        Assert.Contains("No valid checkpoint", ex.Message, StringComparison.Ordinal);
        Assert.Contains("bad magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Retention_keeps_the_last_K_and_the_best_and_never_touches_unreadable_files()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path);
        var junk = Path.Combine(dir.Path, "ckpt-000000000099.mgck");
        File.WriteAllText(junk, "damaged");
        var manager = new CheckpointManager(dir.Path);
        double[] losses = [0.5, 0.1, 0.4, 0.3, 0.2];
        for (var i = 0; i < losses.Length; i++)
        {
            manager.Save(new CheckpointSnapshot { Metadata = new CheckpointMetadata { GlobalStep = i + 1, ValidationLoss = losses[i] } }, keepLast: 2);
        }

        var kept = manager.ListFiles().Select(f => Path.GetFileName(f)!).ToArray();
        Assert.Equal(["ckpt-000000000002.mgck", "ckpt-000000000004.mgck", "ckpt-000000000005.mgck", "ckpt-000000000099.mgck"], kept);
        Assert.Equal(5, manager.FindLatestValid()!.GlobalStep);
    }

    // Accepts `capacity` bytes, then fails the way a full disk does.
    private sealed class FullDiskStream(Stream inner, long capacity) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            var room = (int)Math.Min(count, capacity - _written);
            inner.Write(buffer, offset, room);
            _written += room;
            if (room < count)
            {
                throw new IOException("No space left on device");
            }
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MatrixGrokker.Analysis;
using MatrixGrokker.Checkpoints;
using MatrixGrokker.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Training;

// Checkpointing, resume and divergence handling of the trainer, kept apart from the training loop.
public sealed partial class Trainer
{
    private const string OptimizerEntry = "optimizer";
    private const string TorchRngEntry = "rng.torch";
    private const string ShuffleRngEntry = "rng.shuffle";
    private const string ModelPrefix = "model.";

    private CheckpointManager? _checkpoints;
    private byte[]? _epochStartShuffle;
    private EpochPosition? _resumePosition;
    private EpochPosition _position;
    private DivergenceInfo? _divergence;
    private double _lrScale = 1;
    private int _rollbacks;
    private long _lastSave;

    /// <summary>The checkpoint manager, when the run saves checkpoints.</summary>
    public CheckpointManager? Checkpoints => _checkpoints;

    // Where RunEpoch resumes inside an epoch, and that epoch's running sums (all zero at an epoch boundary).
    private readonly record struct EpochPosition(int Batches, double LossSum, long Correct, int Seen);

    // Called by RunEpoch before it draws the permutation: applies a pending mid-epoch position (the generator state is
    // already the one from the start of that epoch) and remembers the state for a mid-epoch checkpoint of this epoch.
    private EpochPosition BeginEpoch()
    {
        _divergence = null;
        var resume = _resumePosition ?? default;
        _resumePosition = null;
        if (_checkpoints is not null)
        {
            using var state = _shuffle.get_state();
            _epochStartShuffle = state.bytes.ToArray();
        }

        return resume;
    }

    // True when the loss or any gradient is NaN/Inf: one read of the loss, one pass over the flat gradient buffer.
    private bool Diverged(TrainingContext ctx, Tensor loss, int batchIndex)
    {
        if (!_options.Checkpoint.DetectDivergence)
        {
            return false;
        }

        // Every gradient is a view of the optimizer's flat buffer (a callback's replacement is copied in first).
        _optimizer.EnsureAliased();
        using var scope = NewDisposeScope();
        var lossValue = loss.detach().to_type(ScalarType.Float64).item<double>();
        if (double.IsFinite(lossValue) && _optimizer.GradientsAreFinite())
        {
            return false;
        }

        var source = double.IsFinite(lossValue) ? DivergenceSource.Gradient : DivergenceSource.Loss;
        _divergence = new DivergenceInfo(ctx.GlobalStep + 1, ctx.Epoch, batchIndex, source, (float)lossValue, DivergenceAction.Stopped, null, _lrScale, string.Empty);
        return true;
    }

    // Resumes from a checkpoint when one applies; returns a result when the checkpointed run had already finished.
    private TrainingResult? ResumeOrFinished(TrainingContext ctx, Stopwatch wall)
    {
        if (_checkpoints is null)
        {
            return null;
        }

        var settings = _options.Checkpoint;
        _checkpoints.EnsureWritable();
        _lastSave = Stopwatch.GetTimestamp();
        if (settings.ForceFresh && _checkpoints.ResumeFrom is { } requested)
        {
            // Starting over would move the named checkpoint aside along with the rest; refuse rather than guess.
            throw new ArgumentException(
                $"Checkpoint.ForceFresh starts over, but the checkpoint manager was told to resume from '{requested}'. Use one or the other.", "options");
        }

        if (settings.ForceFresh)
        {
            _checkpoints.ArchiveExisting();
            return null;
        }

        (string Path, CheckpointSnapshot Snapshot)? found;
        if (_checkpoints.ResumeFrom is { } named)
        {
            var full = Path.GetFullPath(named);
            found = (full, CheckpointManager.Load(full));
        }
        else if (!settings.Resume)
        {
            if (_checkpoints.ListFiles().Count > 0)
            {
                throw new InvalidOperationException(
                    $"Checkpoint.Resume is off but '{_checkpoints.Directory}' holds checkpoints of an earlier run. " +
                    "Set Checkpoint.ForceFresh to move them aside and start over, or Checkpoint.Resume to continue.");
            }

            return null;
        }
        else
        {
            found = _checkpoints.LoadLatestValid();
        }

        if (found is not { } hit)
        {
            return null;
        }

        var meta = hit.Snapshot.Metadata;
        EnsureCompatible(hit.Path, meta);
        Restore(hit.Path, hit.Snapshot);
        _lrScale = meta.LearningRateScale;
        _rollbacks = meta.Rollbacks;
        CheckpointLog.Resumed(_logger, hit.Path, meta.CompletedEpochs, meta.GlobalStep, meta.BatchesIntoEpoch);

        var training = _options.Training;
        if (meta.Finished && training.Epochs <= meta.EpochLimit && training.StopAccuracy <= meta.StopAccuracy)
        {
            var message = string.Create(CultureInfo.InvariantCulture,
                $"the run in '{_checkpoints.Directory}' already finished at epoch {meta.CompletedEpochs} ({meta.StopReason}: {meta.StopMessage}); " +
                $"raise Training.Epochs above {meta.EpochLimit} to continue it, or set Checkpoint.ForceFresh to start over");
            CheckpointLog.AlreadyFinished(_logger, _checkpoints.Directory, message);
            var grok = GrokkingTracker.FromHistory(training, ctx.HistoryList);
            var result = new TrainingResult(StopReason.AlreadyFinished, message, meta.CompletedEpochs, ctx.GlobalStep,
                ctx.HistoryList.Count == 0 ? null : ctx.HistoryList[^1], ctx.HistoryList.ToArray(), grok.Report, wall.Elapsed, 0);
            Notify((c, x) => c.OnTrainEnd(x, result), ctx);
            return result;
        }

        if (_checkpoints.ResumeFrom is not null)
        {
            // Training continues from an older point: the later checkpoints belong to the abandoned trajectory.
            _checkpoints.ArchiveExisting(afterStep: meta.GlobalStep);
        }

        return null;
    }

    // A checkpoint must come from the same model, data and shuffling; other settings (epochs, learning rate, …) may change.
    private void EnsureCompatible(string path, CheckpointMetadata meta)
    {
        var saved = meta.Options ?? default;
        var current = JsonSerializer.SerializeToElement(_options, CheckpointFile.Json);
        var differences = new List<string>();
        foreach (var section in new[] { nameof(MatrixGrokkerOptions.Model), nameof(MatrixGrokkerOptions.Data) })
        {
            foreach (var property in current.GetProperty(section).EnumerateObject())
            {
                Compare($"{section}.{property.Name}", property.Value, saved, section, property.Name);
            }
        }

        Compare("Training.Seed", current.GetProperty("Training").GetProperty("Seed"), saved, "Training", "Seed");
        Compare("Training.BatchSize", current.GetProperty("Training").GetProperty("BatchSize"), saved, "Training", "BatchSize");
        if (differences.Count > 0)
        {
            throw new CheckpointIncompatibleException(path,
                $"Checkpoint '{path}' belongs to another run: {string.Join("; ", differences)}. Use another checkpoint folder or Checkpoint.ForceFresh.");
        }

        void Compare(string label, JsonElement here, JsonElement root, string section, string name)
        {
            var there = root.ValueKind == JsonValueKind.Object && root.TryGetProperty(section, out var s)
                && s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) ? v.GetRawText() : "(missing)";
            if (there != here.GetRawText())
            {
                differences.Add($"{label} is {there} there but {here.GetRawText()} here");
            }
        }
    }

    // Full state at the current point. At an epoch boundary the shuffle generator is captured as it is now; in the
    // middle of an epoch, as it was before that epoch's permutation was drawn, so resume redraws the same permutation.
    private CheckpointSnapshot Capture(TrainingContext ctx, bool midEpoch)
    {
        var training = _options.Training;
        var meta = new CheckpointMetadata
        {
            CompletedEpochs = midEpoch ? ctx.Epoch - 1 : ctx.Epoch,
            GlobalStep = ctx.GlobalStep,
            BatchesIntoEpoch = midEpoch ? _position.Batches : 0,
            PartialLossSum = midEpoch ? _position.LossSum : 0,
            PartialCorrect = midEpoch ? _position.Correct : 0,
            PartialSeen = midEpoch ? _position.Seen : 0,
            LearningRate = ctx.LearningRate,
            WeightDecay = ctx.WeightDecay,
            LearningRateScale = _lrScale,
            Rollbacks = _rollbacks,
            RegularizerName = _regularizer.Name,
            RegularizerState = new Dictionary<string, double>(_regularizer.State),
            OptimizerKind = _optimizer.GetType().FullName ?? "optimizer",
            EpochLimit = training.Epochs,
            StopAccuracy = training.StopAccuracy,
            ValidationLoss = ctx.HistoryList.Count == 0 ? null : ctx.HistoryList[^1].ValidationLoss,
            History = [.. ctx.HistoryList],
            LatestAnalysis = new Dictionary<string, double>(ctx.LatestAnalysisValues, StringComparer.Ordinal),
            Options = JsonSerializer.SerializeToElement(_options, CheckpointFile.Json),
        };

        var snapshot = new CheckpointSnapshot { Metadata = meta };
        foreach (var (name, tensor) in _model.Module.state_dict())
        {
            snapshot.Tensors.Add(TensorBlob.From(ModelPrefix + name, tensor));
        }

        CaptureOptimizer(snapshot);
        using (var rng = random.get_rng_state())
        {
            snapshot.Tensors.Add(TensorBlob.From(TorchRngEntry, rng));
        }

        if (midEpoch)
        {
            snapshot.Tensors.Add(TensorBlob.FromBytes(ShuffleRngEntry, _epochStartShuffle!));
        }
        else
        {
            using var shuffle = _shuffle.get_state();
            snapshot.Tensors.Add(TensorBlob.From(ShuffleRngEntry, shuffle));
        }

        return snapshot;
    }

    // FusedAdamW's state: step count in the optimizer entry, the flat moments as two tensors. This pair is the only
    // code that knows the optimizer type.
    private void CaptureOptimizer(CheckpointSnapshot snapshot)
    {
        using var state = _optimizer.ExportState();
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(state.StepCount);
        }

        snapshot.Tensors.Add(TensorBlob.FromBytes(OptimizerEntry, buffer.ToArray()));
        snapshot.Tensors.Add(TensorBlob.From(OptimizerEntry + ".exp_avg", state.ExpAvg));
        snapshot.Tensors.Add(TensorBlob.From(OptimizerEntry + ".exp_avg_sq", state.ExpAvgSq));
    }

    // Reads and checks the optimizer state without touching the optimizer. The caller owns the returned state.
    private Training.Optimization.AdamWState ReadOptimizerState(CheckpointSnapshot snapshot, string path)
    {
        if (snapshot.Metadata.OptimizerKind != typeof(Training.Optimization.FusedAdamW).FullName)
        {
            throw new CheckpointIncompatibleException(path,
                $"Checkpoint '{path}' has optimizer state of {snapshot.Metadata.OptimizerKind}; this trainer uses {typeof(Training.Optimization.FusedAdamW).FullName}.");
        }

        var data = snapshot.Get(OptimizerEntry, path).Data;
        var expAvg = snapshot.Get(OptimizerEntry + ".exp_avg", path);
        var expAvgSq = snapshot.Get(OptimizerEntry + ".exp_avg_sq", path);
        foreach (var moment in new[] { expAvg, expAvgSq })
        {
            if (!moment.Shape.SequenceEqual([_optimizer.Count]))
            {
                throw new CheckpointIncompatibleException(path,
                    $"Checkpoint '{path}' stores {moment.Name} as [{string.Join(", ", moment.Shape)}] but this optimizer holds {_optimizer.Count} values (were parameters frozen or added?).");
            }
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(data, writable: false));
            return new Training.Optimization.AdamWState(reader.ReadInt64(), expAvg.ToTensor(), expAvgSq.ToTensor());
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or IOException)
        {
            throw new CheckpointIncompatibleException(path,
                $"Checkpoint '{path}' has optimizer state this trainer cannot load: {ex.Message}");
        }
    }

    // Everything is checked before anything changes: a checkpoint that turns out incompatible half-way must not leave
    // the model, the random streams or the optimizer half-restored (resume and rollback both come through here).
    private void Restore(string path, CheckpointSnapshot snapshot)
    {
        var meta = snapshot.Metadata;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var state = _model.Module.state_dict();
            var extra = snapshot.Tensors.Where(t => t.Name.StartsWith(ModelPrefix, StringComparison.Ordinal))
                .Select(t => t.Name[ModelPrefix.Length..]).Except(state.Keys).ToArray();
            if (extra.Length > 0)
            {
                throw new CheckpointIncompatibleException(path, $"Checkpoint '{path}' holds parameters this model lacks: {string.Join(", ", extra)}.");
            }

            var blobs = new List<(Tensor Target, TensorBlob Blob)>();
            foreach (var (name, target) in state)
            {
                var blob = snapshot.Find(ModelPrefix + name)
                    ?? throw new CheckpointIncompatibleException(path, $"Checkpoint '{path}' has no parameter '{name}' of this model.");
                if (!blob.Shape.SequenceEqual(target.shape) || blob.DType != target.dtype)
                {
                    throw new CheckpointIncompatibleException(path,
                        $"Checkpoint '{path}' stores '{name}' as {blob.DType}[{string.Join(", ", blob.Shape)}] but this model has {target.dtype}[{string.Join(", ", target.shape)}].");
                }

                blobs.Add((target, blob));
            }

            var torchRng = snapshot.Get(TorchRngEntry, path).ToTensor();
            var shuffleRng = snapshot.Get(ShuffleRngEntry, path).ToTensor();
            using var optimizerState = ReadOptimizerState(snapshot, path);

            foreach (var (target, blob) in blobs)
            {
                target.copy_(blob.ToTensor());
            }

            random.set_rng_state(torchRng);
            _shuffle.set_state(shuffleRng);
            _optimizer.ImportState(optimizerState);
        }

        if (meta.RegularizerName == _regularizer.Name)
        {
            _regularizer.Restore(meta.RegularizerState);
        }

        var ctx = Context;
        ctx.Epoch = meta.CompletedEpochs;
        ctx.GlobalStep = meta.GlobalStep;
        ctx.LearningRate = meta.LearningRate;
        ctx.WeightDecay = meta.WeightDecay;
        ctx.LatestAnalysis = null;
        ctx.HistoryList.Clear();
        ctx.HistoryList.AddRange(meta.History);
        // The report itself is not saved, but its values are: later epochs repeat them until the next analyzer run,
        // exactly as in an uninterrupted run (older checkpoints: the last epoch's values, exact at epoch boundaries).
        ctx.LatestAnalysisValues = meta.LatestAnalysis
            ?? (meta.History.Count > 0 ? meta.History[^1].Analysis : FlatAnalysisValues.Empty);
        _resumePosition = meta.BatchesIntoEpoch > 0
            ? new EpochPosition(meta.BatchesIntoEpoch, meta.PartialLossSum, meta.PartialCorrect, meta.PartialSeen)
            : null;
    }

    // A stop inside an epoch: capture before validation and analyzers run, so resume continues exactly there.
    private CheckpointSnapshot? CaptureIfPartial(TrainingContext ctx) =>
        _checkpoints is not null && _position.Batches < StepsPerEpoch ? Capture(ctx, midEpoch: true) : null;

    private void SaveIfDue(TrainingContext ctx, int epoch)
    {
        if (_checkpoints is null)
        {
            return;
        }

        var settings = _options.Checkpoint;
        var byEpoch = settings.EveryEpochs > 0 && epoch % settings.EveryEpochs == 0;
        var byTime = settings.Interval > TimeSpan.Zero && Stopwatch.GetElapsedTime(_lastSave) >= settings.Interval;
        if (!byEpoch && !byTime)
        {
            return;
        }

        try
        {
            Save(ctx, Capture(ctx, midEpoch: false));
        }
        catch (CheckpointWriteException ex) when (settings.ContinueOnSaveFailure)
        {
            // _lastSave stays as it was, so a time-based save is retried at the next epoch end.
            CheckpointLog.SaveFailedContinuing(_logger, ex.Path, ex.Message);
            Notify((c, x) => c.OnCheckpointFailed(x, ex), ctx);
        }
    }

    // Always at the end (and on cancellation); a diverged run keeps its last good checkpoints instead.
    private void SaveFinal(TrainingContext ctx, StopReason reason, string message, CheckpointSnapshot? pending)
    {
        if (_checkpoints is null || reason == StopReason.Diverged)
        {
            return;
        }

        if (_resumePosition is not null)
        {
            // Resumed mid-epoch but no step ran (the epoch limit is at or below the resume point): the checkpoint we
            // resumed from is still the exact state, and an epoch-boundary capture at its step would overwrite it and
            // lose the position inside the epoch.
            return;
        }

        var snapshot = pending ?? Capture(ctx, midEpoch: false);
        snapshot.Metadata.Finished = reason is StopReason.Converged or StopReason.MaxEpochs;
        snapshot.Metadata.StopReason = reason;
        snapshot.Metadata.StopMessage = message;
        Save(ctx, snapshot);
    }

    private void Save(TrainingContext ctx, CheckpointSnapshot snapshot)
    {
        var info = _checkpoints!.Save(snapshot, _options.Checkpoint.KeepLast);
        _lastSave = Stopwatch.GetTimestamp();
        Notify((c, x) => c.OnCheckpointSaved(x, info), ctx);
    }

    // Rolls back to the latest valid checkpoint when the policy allows; raises OnDivergence either way.
    private bool HandleDivergence(TrainingContext ctx, DivergenceInfo detected)
    {
        var settings = _options.Checkpoint;
        var where = string.Create(CultureInfo.InvariantCulture,
            $"non-finite {detected.Source.ToString().ToLowerInvariant()} (loss {detected.Loss}) at step {detected.GlobalStep}, epoch {detected.Epoch}, batch {detected.BatchIndex}; the update was not applied");
        string? refusal = null;
        (string Path, CheckpointSnapshot Snapshot)? target = null;
        if (settings.OnDivergence == DivergencePolicy.Rollback)
        {
            if (_checkpoints is null)
            {
                refusal = "no checkpoint manager to roll back with";
            }
            else if (_rollbacks >= settings.MaxRollbacks)
            {
                refusal = string.Create(CultureInfo.InvariantCulture, $"already rolled back {_rollbacks} times (MaxRollbacks)");
            }
            else
            {
                try
                {
                    target = _checkpoints.LoadLatestValid();
                    refusal = target is null ? "no checkpoint written yet" : null;
                }
                catch (CheckpointException ex)
                {
                    refusal = ex.Message;
                }
            }
        }

        DivergenceInfo info;
        if (target is { } t)
        {
            var scale = _lrScale * settings.RollbackLearningRateFactor;
            var count = _rollbacks + 1;
            Restore(t.Path, t.Snapshot);
            (_lrScale, _rollbacks) = (scale, count);
            info = detected with
            {
                Action = DivergenceAction.RolledBack,
                RolledBackTo = t.Path,
                LearningRateScale = scale,
                Message = string.Create(CultureInfo.InvariantCulture, $"{where}; rolled back to '{t.Path}' (step {ctx.GlobalStep}) with learning-rate scale {scale}"),
            };
        }
        else
        {
            info = detected with { Message = refusal is null ? where : $"{where}; not rolled back: {refusal}" };
        }

        CheckpointLog.Diverged(_logger, detected.Source.ToString(), detected.GlobalStep, detected.Epoch, detected.BatchIndex, info.Action.ToString());
        Notify((c, x) => c.OnDivergence(x, info), ctx);
        _divergence = info;
        return target is not null;
    }
}

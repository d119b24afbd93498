using System.Diagnostics;
using MatrixGrokker.Analysis;
using MatrixGrokker.Checkpoints;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Regularization;
using MatrixGrokker.Runtime;
using MatrixGrokker.Training.Optimization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Training;

/// <summary>
/// Trains an <see cref="IModel"/> on an <see cref="IDataset"/> with AdamW (<see cref="FusedAdamW"/>) and MSE: seeded shuffled mini-batches,
/// validation every epoch, analyzers on an exact step schedule, a regulariser between backward and step, and
/// callbacks that can observe and steer every stage.
/// </summary>
public sealed partial class Trainer : IDisposable
{
    private readonly IModel _model;
    private readonly IDataset _data;
    private readonly MatrixGrokkerOptions _options;
    private readonly IRegularizer _regularizer;
    private readonly IReadOnlyList<IAnalyzer> _analyzers;
    private readonly List<ITrainerCallback> _callbacks;
    private readonly ILogger _logger;
    private readonly FusedAdamW _optimizer;
    private readonly MlpFusedStep? _fusedStep;
    private readonly Generator _shuffle;
    private readonly Tensor _probe;

    /// <summary>Creates a trainer. Options are validated here.</summary>
    /// <param name="model">The model to train (its parameters are updated in place).</param>
    /// <param name="data">Training and validation data.</param>
    /// <param name="options">Run settings; <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> when invalid.</param>
    /// <param name="regularizer">Sets weight decay each step; default constant <see cref="TrainingOptions.WeightDecay"/>.</param>
    /// <param name="analyzers">Analyzers run every <see cref="MetricsOptions.IntervalSteps"/> steps and at the end.</param>
    /// <param name="callbacks">Observers that may act on the run.</param>
    /// <param name="logger">Progress log.</param>
    /// <param name="checkpoints">Saves checkpoints and resumes from them (see <see cref="CheckpointOptions"/>); none when null.</param>
    public Trainer(
        IModel model,
        IDataset data,
        MatrixGrokkerOptions options,
        IRegularizer? regularizer = null,
        IEnumerable<IAnalyzer>? analyzers = null,
        IEnumerable<ITrainerCallback>? callbacks = null,
        ILogger<Trainer>? logger = null,
        CheckpointManager? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        TorchRuntime.EnsureAvailable();
        OptionsGuard.ThrowIfInvalid(options);
        if (model.InputSize != data.InputSize || model.OutputSize != data.OutputSize)
        {
            throw new ArgumentException(
                $"Model maps {model.InputSize} → {model.OutputSize} values but the data has {data.InputSize} → {data.OutputSize}.",
                nameof(data));
        }

        _model = model;
        _data = data;
        _options = options;
        _regularizer = regularizer ?? new ConstantWeightDecay(options.Training.WeightDecay);
        _analyzers = analyzers?.ToArray() ?? [];
        _callbacks = callbacks?.ToList() ?? [];
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _checkpoints = checkpoints;

        var training = options.Training;
        foreach (var analyzer in _analyzers)
        {
            analyzer.EnsureApplicable(model);
        }

        var probeRows = Math.Min(options.Metrics.ProbeSize, data.ValidationCount);
        if (_analyzers.Count > 0 && probeRows < 2)
        {
            // Activation metrics compare samples with each other; fail now rather than after training (and before
            // the optimizer moves the parameters into its buffers).
            throw new ArgumentException(
                $"Analyzers need a probe of at least 2 validation rows, but the validation set has {data.ValidationCount}.", nameof(data));
        }

        _optimizer = new FusedAdamW(model.Module.parameters(), training.LearningRate, training.WeightDecay);
        _shuffle = new Generator((ulong)training.Seed ^ 0x5DEECE66DUL);
        _fusedStep = MlpFusedStep.TryCreate(model, training);
        using (NewDisposeScope())
        {
            _probe = data.ValidationInputs.narrow(0, 0, probeRows).clone().DetachFromDisposeScope();
        }

        StepsPerEpoch = (data.TrainCount + training.BatchSize - 1) / training.BatchSize;
        Context = new TrainingContext(model, options, StepsPerEpoch);
    }

    /// <summary>Mini-batches per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>The run's live state.</summary>
    public TrainingContext Context { get; }

    /// <summary>
    /// The AdamW optimizer. <see cref="FusedAdamW.AppliedLearningRate"/> and <see cref="FusedAdamW.AppliedWeightDecay"/>
    /// hold the values of the last step; <see cref="FusedAdamW.ExportState"/> gives its state for checkpoints.
    /// </summary>
    public FusedAdamW Optimizer => _optimizer;

    /// <summary>The regulariser in use.</summary>
    public IRegularizer Regularizer => _regularizer;

    /// <summary>The registered callbacks; add before calling <see cref="Train"/>.</summary>
    public IList<ITrainerCallback> Callbacks => _callbacks;

    /// <summary>Trains until convergence, the epoch limit, a stop request or cancellation.</summary>
    /// <param name="cancellationToken">Stops training after the current step; the result says <see cref="StopReason.Cancelled"/>.</param>
    /// <param name="progress">Receives one <see cref="TrainingProgress"/> per epoch.</param>
    public TrainingResult Train(CancellationToken cancellationToken = default, IProgress<TrainingProgress>? progress = null)
    {
        var ctx = Context;
        var training = _options.Training;
        var totalSteps = (long)StepsPerEpoch * training.Epochs;
        var wall = Stopwatch.StartNew();
        long stepTicks = 0;
        long stepsThisCall = 0;
        var reason = StopReason.MaxEpochs;
        var message = $"reached the epoch limit ({training.Epochs})";
        CheckpointSnapshot? pending = null;
        if (ResumeOrFinished(ctx, wall) is { } finished)
        {
            return finished;
        }

        var grok = GrokkingTracker.FromHistory(training, ctx.HistoryList);
        TrainerLog.TrainingStarted(_logger, _model.Module.parameters().Sum(p => p.numel()), _data.TrainCount, StepsPerEpoch, training.Epochs);
        Notify(static (c, x) => c.OnTrainBegin(x), ctx);
        _model.Module.train();
        try
        {
            var firstEpoch = ctx.Epoch + 1;
            for (var epoch = firstEpoch; epoch <= training.Epochs; epoch++)
            {
                if (ctx.StopRequested)
                {
                    // Requested in OnTrainBegin (later requests end the loop below): stop before the first step.
                    (reason, message) = (StopReason.Requested, ctx.StopReason ?? "stop requested");
                    break;
                }

                ctx.Epoch = epoch;
                Notify(static (c, x) => c.OnEpochBegin(x), ctx);

                var epochStart = Stopwatch.GetTimestamp();
                var (trainLoss, trainAccuracy, steps) = RunEpoch(ctx, totalSteps, cancellationToken);
                var epochTicks = Stopwatch.GetTimestamp() - epochStart;
                stepTicks += epochTicks;
                stepsThisCall += steps;
                if (_divergence is { } diverged)
                {
                    if (HandleDivergence(ctx, diverged))
                    {
                        grok = GrokkingTracker.FromHistory(training, ctx.HistoryList);
                        epoch = ctx.Epoch;
                        continue;
                    }

                    (reason, message) = (StopReason.Diverged, _divergence!.Message);
                    break;
                }

                pending = CaptureIfPartial(ctx);

                var validation = Evaluator.Evaluate(_model, _data.ValidationInputs, _data.ValidationTargets, training.AccuracyTolerance);
                Notify((c, x) => c.OnValidationEnd(x, validation), ctx);
                if (_options.Metrics.RunAtEpochEnd)
                {
                    RunAnalyzers(ctx, AnalysisTrigger.EpochEnd);
                }

                var metrics = new EpochMetrics(
                    epoch, ctx.GlobalStep, trainLoss, trainAccuracy, validation.Loss, validation.Accuracy,
                    ctx.LearningRate, ctx.WeightDecay, steps / Stopwatch.GetElapsedTime(0, epochTicks).TotalSeconds,
                    wall.Elapsed, ctx.LatestAnalysisValues);
                ctx.HistoryList.Add(metrics);
                TrainerLog.EpochCompleted(_logger, epoch, trainLoss, trainAccuracy, validation.Loss, validation.Accuracy, ctx.WeightDecay, metrics.IterationsPerSecond);
                Notify((c, x) => c.OnEpochEnd(x, metrics), ctx);
                if (pending is null)
                {
                    SaveIfDue(ctx, epoch);
                }

                if (grok.Observe(epoch, trainAccuracy, validation.Accuracy) is { } grokked)
                {
                    TrainerLog.GrokkingDetected(_logger, grokked.MemorizationEpoch, grokked.GeneralizationEpoch!.Value, grokked.Gap);
                    Notify((c, x) => c.OnGrokkingDetected(x, grokked), ctx);
                }

                if (progress is not null)
                {
                    // Epochs of this call only: resumed epochs did not cost this call's wall time.
                    var perEpoch = wall.Elapsed / (epoch - firstEpoch + 1);
                    progress.Report(new TrainingProgress(epoch, training.Epochs, metrics, perEpoch * (training.Epochs - epoch)));
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    (reason, message) = (StopReason.Cancelled, "cancelled");
                    break;
                }

                if (ctx.StopRequested)
                {
                    (reason, message) = (StopReason.Requested, ctx.StopReason ?? "stop requested");
                    break;
                }

                if (trainAccuracy >= training.StopAccuracy && validation.Accuracy >= training.StopAccuracy)
                {
                    (reason, message) = (StopReason.Converged, $"train and validation accuracy reached {training.StopAccuracy}");
                    break;
                }
            }

            SaveFinal(ctx, reason, message, pending);
            RunAnalyzers(ctx, AnalysisTrigger.Final);
        }
        catch (Exception ex)
        {
            TrainerLog.TrainingFailed(_logger, ex, ctx.Epoch, ctx.GlobalStep);
            Notify((c, x) => c.OnException(x, ex), ctx);
            throw;
        }

        var stepSeconds = Stopwatch.GetElapsedTime(0, stepTicks).TotalSeconds;
        var result = new TrainingResult(
            reason, message, ctx.HistoryList.Count == 0 ? 0 : ctx.HistoryList[^1].Epoch, ctx.GlobalStep,
            ctx.HistoryList.Count == 0 ? null : ctx.HistoryList[^1], ctx.HistoryList.ToArray(), grok.Report,
            wall.Elapsed, stepSeconds > 0 ? stepsThisCall / stepSeconds : 0)
        {
            FinalAnalysis = ctx.LatestAnalysis is { Trigger: AnalysisTrigger.Final } final ? final : null,
        };
        TrainerLog.TrainingEnded(_logger, reason, message, result.EpochsRun, result.GlobalSteps, result.WallTime);
        Notify((c, x) => c.OnTrainEnd(x, result), ctx);
        return result;
    }

    // One pass over a fresh permutation of the training set, in contiguous slices of one shuffled copy. Statistics
    // stay on the device until the epoch ends: the loss sum in one tensor, predictions in a buffer scored at the end.
    private (double Loss, double Accuracy, long Steps) RunEpoch(TrainingContext ctx, long totalSteps, CancellationToken cancellationToken)
    {
        var training = _options.Training;
        var batchSize = training.BatchSize;
        var count = _data.TrainCount;
        var step = new StepInfo();
        long steps = 0;

        using var epochScope = NewDisposeScope();
        var resume = BeginEpoch();
        var seen = resume.Seen;
        var batches = resume.Batches;
        var order = randperm(count, generator: _shuffle);
        var inputs = _data.TrainInputs.index_select(0, order);
        var targets = _data.TrainTargets.index_select(0, order);
        var lossSum = zeros(1, ScalarType.Float64);
        var predictions = empty_like(targets);
        var first = batches * batchSize; // rows before this are already scored (mid-epoch resume)
        var fresh = 0;
        var correct = 0L;
        if (batches > 0)
        {
            lossSum.fill_(resume.LossSum);
            correct = resume.Correct;
        }

        for (var start = batches * batchSize; start < count; start += batchSize)
        {
            using var stepScope = NewDisposeScope();
            var len = Math.Min(batchSize, count - start);
            var x = inputs.narrow(0, start, len);
            var y = targets.narrow(0, start, len);

            Tensor prediction, loss;
            if (_fusedStep is { CanRun: true })
            {
                (prediction, loss) = _fusedStep.Run(x, y); // overwrites the gradients, so no ZeroGrad
            }
            else
            {
                prediction = _model.Forward(x);
                loss = nn.functional.mse_loss(prediction, y);
                _optimizer.ZeroGrad();
                loss.backward();
            }

            ctx.LearningRate = LearningRates.At(training, ctx.GlobalStep, totalSteps) * _lrScale;
            ctx.SkipStep = false;
            _regularizer.BeforeOptimizerStep(ctx);
            step.LossTensor = loss;
            step.BatchIndex = (int)(start / batchSize) + 1;
            step.BatchSize = len;
            Notify(static (c, x, s) => c.OnBeforeOptimizerStep(x, s), ctx, step);
            if (Diverged(ctx, loss, step.BatchIndex))
            {
                break;
            }

            if (!ctx.SkipStep)
            {
                _optimizer.LearningRate = ctx.LearningRate;
                _optimizer.WeightDecay = ctx.WeightDecay;
                _optimizer.Step();
            }

            ctx.GlobalStep++;
            steps++;
            batches++;
            seen += len;
            fresh += len;
            using (no_grad())
            {
                lossSum.add_(loss, alpha: len);
                predictions.narrow(0, start, len).copy_(prediction);
            }

            Notify(static (c, x, s) => c.OnStepEnd(x, s), ctx, step);
            step.LossTensor = null;

            if (ctx.GlobalStep % _options.Metrics.IntervalSteps == 0)
            {
                RunAnalyzers(ctx, AnalysisTrigger.Interval);
            }

            if (ctx.StopRequested || cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        if (fresh > 0)
        {
            using var noGrad = no_grad();
            correct += (predictions.narrow(0, first, fresh) - targets.narrow(0, first, fresh))
                .abs_().lt_(training.AccuracyTolerance).all(1).sum().item<long>();
        }

        _position = new EpochPosition(batches, lossSum.item<double>(), correct, seen);
        return (_position.LossSum / Math.Max(1, seen), _position.Correct / (double)Math.Max(1, seen), steps);
    }

    private void RunAnalyzers(TrainingContext ctx, AnalysisTrigger trigger)
    {
        if (_analyzers.Count == 0)
        {
            return;
        }

        var report = AnalyzerRunner.Run(_analyzers, _model, _probe, ctx.GlobalStep, ctx.Epoch, trigger);
        ctx.LatestAnalysis = report;
        TrainerLog.AnalyzersRan(_logger, ctx.GlobalStep, trigger, report.Duration.TotalMilliseconds);
        _regularizer.OnMetrics(report);
        Notify((c, x) => c.OnMetricsComputed(x, report), ctx);
    }

    private void Notify(Action<ITrainerCallback, TrainingContext> action, TrainingContext ctx)
    {
        foreach (var callback in _callbacks)
        {
            action(callback, ctx);
        }
    }

    // Per-step form: a static lambda plus an argument allocates nothing, unlike a closure per call.
    private void Notify<TArg>(Action<ITrainerCallback, TrainingContext, TArg> action, TrainingContext ctx, TArg arg)
    {
        foreach (var callback in _callbacks)
        {
            action(callback, ctx, arg);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _shuffle.Dispose();
        _probe.Dispose();
    }

    // Validation uses its own threshold when TrainingOptions.GeneralizationThreshold is set (null: the same one).
    private sealed class GrokkingTracker(double threshold, double? generalizationThreshold = null)
    {
        private int? _memorized;
        private int? _generalized;

        public GrokkingReport Report => new(threshold, _memorized, _generalized) { GeneralizationThreshold = generalizationThreshold ?? threshold };

        // A tracker that has seen the given epochs (after a resume or a rollback).
        public static GrokkingTracker FromHistory(TrainingOptions training, IEnumerable<EpochMetrics> history)
        {
            var tracker = new GrokkingTracker(training.GrokThreshold, training.GeneralizationThreshold);
            foreach (var m in history)
            {
                tracker.Observe(m.Epoch, m.TrainAccuracy, m.ValidationAccuracy);
            }

            return tracker;
        }

        // Returns the report once, at the epoch validation accuracy first reaches the threshold.
        public GrokkingReport? Observe(int epoch, double trainAccuracy, double validationAccuracy)
        {
            if (_memorized is null && trainAccuracy >= threshold)
            {
                _memorized = epoch;
            }

            if (_generalized is null && validationAccuracy >= (generalizationThreshold ?? threshold))
            {
                _generalized = epoch;
                return Report;
            }

            return null;
        }
    }
}

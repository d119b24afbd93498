using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MatrixGrokker.Checkpoints;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Training;
using MatrixGrokker.Transfer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace MatrixGrokker.Experiment;

/// <summary>What the grokking detector saw, as written to summary.json.</summary>
/// <param name="MemorizationThreshold">Train accuracy that counts as memorised.</param>
/// <param name="GeneralizationThreshold">Validation accuracy that counts as generalised.</param>
/// <param name="MemorizationEpoch">First epoch with train accuracy at the threshold.</param>
/// <param name="GeneralizationEpoch">First epoch with validation accuracy at the threshold.</param>
/// <param name="Gap">Epochs between the two.</param>
/// <param name="MinGapEpochs">Smallest gap reported as grokking.</param>
/// <param name="Grokked">Both happened and generalisation came at least <paramref name="MinGapEpochs"/> epochs after memorisation.</param>
public sealed record GrokkingSummary(
    double MemorizationThreshold,
    double GeneralizationThreshold,
    int? MemorizationEpoch,
    int? GeneralizationEpoch,
    int? Gap,
    int MinGapEpochs,
    bool Grokked);

/// <summary>The outcome of one experiment run, as written to summary.json.</summary>
/// <param name="RunFolder">Where the outputs are.</param>
/// <param name="Preset">Preset applied, if any.</param>
/// <param name="StopReason">Why training ended.</param>
/// <param name="StopMessage">Readable reason.</param>
/// <param name="EpochsRun">Epochs completed.</param>
/// <param name="GlobalSteps">Optimizer steps.</param>
/// <param name="FinalTrainLoss">Last epoch's training loss.</param>
/// <param name="FinalTrainAccuracy">Last epoch's training accuracy.</param>
/// <param name="FinalValidationLoss">Last epoch's validation loss.</param>
/// <param name="FinalValidationAccuracy">Last epoch's validation accuracy.</param>
/// <param name="Grokking">Grokking detector.</param>
/// <param name="LocalComplexity">Last LC value, if analyzers ran.</param>
/// <param name="Superposition">Last SP value, if analyzers ran.</param>
/// <param name="WeightDecay">Weight decay of the last step.</param>
/// <param name="Regularizer">Regulariser actually used.</param>
/// <param name="AverageIterationsPerSecond">Training steps per second.</param>
/// <param name="TrainingSeconds">Wall time of training.</param>
/// <param name="WallSeconds">Wall time of the whole run (data, training, transfer, outputs).</param>
/// <param name="Threads">Torch intra-op threads.</param>
/// <param name="Transfer">Transfer results.</param>
/// <param name="Options">Library options used.</param>
/// <param name="Experiment">Driver options used.</param>
public sealed record RunSummary(
    string RunFolder,
    string? Preset,
    StopReason StopReason,
    string StopMessage,
    int EpochsRun,
    long GlobalSteps,
    double? FinalTrainLoss,
    double? FinalTrainAccuracy,
    double? FinalValidationLoss,
    double? FinalValidationAccuracy,
    GrokkingSummary Grokking,
    double? LocalComplexity,
    double? Superposition,
    double? WeightDecay,
    string Regularizer,
    double AverageIterationsPerSecond,
    double TrainingSeconds,
    double WallSeconds,
    int Threads,
    IReadOnlyList<TransferResult> Transfer,
    MatrixGrokkerOptions Options,
    ExperimentOptions Experiment)
{
    /// <summary>Where the bilinear-recursion rows' rule came from; null when that strategy did not run.</summary>
    public BilinearRuleSummary? BilinearRule { get; init; }
}

/// <summary>
/// The full experiment: train on small products, evaluate zero-shot transfer with every strategy, write the run
/// folder (summary.json, metrics.csv/.jsonl, transfer.json, PNG plots, TensorBoard events).
/// </summary>
public sealed class ExperimentRunner
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly ExperimentSettings _settings;
    private readonly TextWriter _output;
    private readonly bool _interactive;
    private readonly ILoggerFactory _loggerFactory;

    /// <summary>Creates a runner.</summary>
    /// <param name="settings">Validated settings (see <see cref="ExperimentConfiguration"/>).</param>
    /// <param name="output">Progress and results text; default none.</param>
    /// <param name="interactive">Redraw a progress bar instead of printing lines.</param>
    /// <param name="loggerFactory">Library logs.</param>
    public ExperimentRunner(ExperimentSettings settings, TextWriter? output = null, bool interactive = false, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _output = output ?? TextWriter.Null;
        _interactive = interactive;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>Runs the experiment. Cancellation stops training cleanly; outputs are still written.</summary>
    /// <param name="cancellationToken">Ctrl+C.</param>
    public RunSummary Run(CancellationToken cancellationToken = default)
    {
        var wall = Stopwatch.StartNew();
        var options = _settings.Options;
        var experiment = _settings.Experiment;
        var folder = Path.GetFullPath(experiment.Out
            ?? Path.Combine("runs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)));
        Directory.CreateDirectory(folder);
        var checkpoints = new CheckpointManager(Path.Combine(folder, "checkpoints"), _loggerFactory.CreateLogger<CheckpointManager>());
        var resuming = !experiment.Fresh && !options.Checkpoint.ForceFresh && options.Checkpoint.Resume && checkpoints.ListFiles().Count > 0;

        if (experiment.Threads > 0)
        {
            torch.set_num_threads(experiment.Threads);
        }

        _output.WriteLine(resuming ? $"Run folder: {folder} (resuming from its latest checkpoint; --fresh starts over)" : $"Run folder: {folder}");
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training {options.Model.MatrixSize}×{options.Model.MatrixSize} products: MLP hidden {options.Model.HiddenDim} × {options.Model.NumLayers} layers ({options.Model.Activation}, init ×{options.Model.InitScale}), " +
            $"{options.Data.Samples} samples ({options.Data.ValidationRatio:P0} validation), up to {options.Training.Epochs} epochs, batch {options.Training.BatchSize}, lr {options.Training.LearningRate}, wd {options.Training.WeightDecay}"));

        var seed = options.Training.Seed;
        using var data = new MatrixMultiplicationDataset(options.Data, options.Model.MatrixSize, seed);
        using var model = new MlpModel(options.Model, seed);
        var (regularizer, regularizerName) = RunComponents.CreateRegularizer(experiment, options, _settings.ThermalEngine, _loggerFactory);
        // Outputs of the previous run in this folder are cleared only once training starts (a resumed run keeps its
        // TensorBoard events; the metrics files are rewritten from the restored history).
        using var recorder = new RunRecorder(folder, experiment.TensorBoard, () => ClearOutputs(folder, keepTensorBoard: resuming));
        var progress = new ProgressDisplay(_output, _interactive, experiment.ProgressEveryEpochs);
        using var trainer = new Trainer(
            model, data, options, regularizer, RunComponents.CreateAnalyzers(_loggerFactory),
            [recorder, new StopRules(experiment.StopAtGrok, experiment.StopPatienceEpochs, experiment.MaxTrainingTime)],
            _loggerFactory.CreateLogger<Trainer>(),
            checkpoints);

        TrainingResult result;
        try
        {
            result = trainer.Train(cancellationToken, progress);
        }
        finally
        {
            progress.Finish();
        }

        if (recorder.TensorBoardError is { } tbError)
        {
            _output.WriteLine($"TensorBoard logging stopped: {tbError}");
        }

        recorder.WriteHistory(result.History); // a run that was already finished trains nothing but has history
        // The trained 2×2 weights for PyTorch: safetensors.torch.load_file("model.safetensors").
        SafetensorsExport.Save(model, Path.Combine(folder, "model.safetensors"), new Dictionary<string, string>
        {
            ["format"] = "MatrixGrokker MlpModel",
            ["matrix_size"] = options.Model.MatrixSize.ToString(CultureInfo.InvariantCulture),
            ["hidden_dim"] = options.Model.HiddenDim.ToString(CultureInfo.InvariantCulture),
            ["num_layers"] = options.Model.NumLayers.ToString(CultureInfo.InvariantCulture),
            ["activation"] = options.Model.Activation.ToString(),
            ["global_step"] = result.GlobalSteps.ToString(CultureInfo.InvariantCulture),
        });
        _output.WriteLine($"Training ended ({result.Reason}): {result.Message}.");

        var transfers = new List<TransferResult>();
        BilinearRuleSummary? bilinearRule = null;
        if (result.Reason != StopReason.Cancelled)
        {
            var strategies = new List<ITransferStrategy>();
            try
            {
                strategies = TransferStrategies.Create(experiment.Strategies, model, options, out bilinearRule, cancellationToken);
                if (bilinearRule is { } rule)
                {
                    _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"bilinear-recursion uses {rule.Source}: {(rule.Verified ? "exact" : "NOT exact (continuous coefficients)")}, {rule.Products} products, {rule.Attempts} attempt(s), {rule.DiscoverySeconds:F2} s."));
                }

                var report = trainer.EvaluateTransfer(strategies, TransferEvaluator.FromOptions(options, RunComponents.CreateAnalyzers(_loggerFactory)), cancellationToken);
                transfers.AddRange(report.Results);
                File.WriteAllText(Path.Combine(folder, "transfer.json"), report.ToJson());
            }
            catch (OperationCanceledException)
            {
                _output.WriteLine("Transfer evaluation cancelled.");
            }
            finally
            {
                foreach (var s in strategies.OfType<IDisposable>())
                {
                    s.Dispose();
                }
            }

            foreach (var t in transfers)
            {
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {t.Strategy,-18} {t.Size,2}×{t.Size,-2} accuracy {t.Accuracy,8:P2}  element acc {t.ElementAccuracy,8:P2}  MSE {t.Mse,10:G4}  rel. error {t.RelativeError,10:G4}  model LC {Metric(t, "lc")} SP {Metric(t, "sp")}  ({t.Duration.TotalSeconds:F2} s)"));
            }
        }

        if (experiment.Plots)
        {
            RunPlots.Write(folder, recorder.Rows, transfers);
        }

        var grok = result.Grokking;
        var generalizationThreshold = grok.GeneralizationThreshold ?? grok.Threshold;
        var grokSummary = new GrokkingSummary(
            grok.Threshold, generalizationThreshold, grok.MemorizationEpoch, grok.GeneralizationEpoch, grok.Gap,
            experiment.GrokMinGapEpochs, grok.Gap is { } gap && gap >= experiment.GrokMinGapEpochs);
        var last = recorder.Rows.Count > 0 ? recorder.Rows[^1] : null;
        var summary = new RunSummary(
            folder, experiment.Preset, result.Reason, result.Message, result.EpochsRun, result.GlobalSteps,
            last?.TrainLoss, last?.TrainAccuracy, last?.ValidationLoss, last?.ValidationAccuracy, grokSummary,
            last?.LocalComplexity, last?.Superposition, last?.WeightDecay, regularizerName,
            result.AverageIterationsPerSecond, result.WallTime.TotalSeconds, wall.Elapsed.TotalSeconds,
            torch.get_num_threads(), transfers, options, experiment)
        {
            BilinearRule = bilinearRule,
        };
        File.WriteAllText(Path.Combine(folder, "summary.json"), JsonSerializer.Serialize(summary, Json));

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Grokking detector: memorised (train ≥ {grok.Threshold:P0}) at epoch {Show(grok.MemorizationEpoch)}, generalised (val ≥ {generalizationThreshold:P0}) at epoch {Show(grok.GeneralizationEpoch)}, gap {Show(grok.Gap)} → {(grokSummary.Grokked ? "grokking" : "no grokking")} (needs gap ≥ {experiment.GrokMinGapEpochs})."));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Done in {wall.Elapsed.TotalSeconds:F1} s ({result.AverageIterationsPerSecond:F0} it/s). Outputs in {folder}"));
        return summary;
    }

    private static string Metric(TransferResult t, string key) =>
        t.ModelMetrics is { } m && m.TryGetValue(key, out var v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "-";

    private static string Show(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "none";

    // A run folder holds one run: earlier outputs are replaced. Checkpoints are the trainer's business
    // (resumed, or moved aside by Checkpoint.ForceFresh).
    private static void ClearOutputs(string folder, bool keepTensorBoard)
    {
        foreach (var file in new[] { "summary.json", "transfer.json", "metrics.csv", "metrics.jsonl", "model.safetensors" })
        {
            File.Delete(Path.Combine(folder, file));
        }

        foreach (var png in Directory.EnumerateFiles(folder, "*.png"))
        {
            File.Delete(png);
        }

        var tensorBoard = Path.Combine(folder, "tensorboard");
        if (!keepTensorBoard && Directory.Exists(tensorBoard))
        {
            Directory.Delete(tensorBoard, recursive: true);
        }
    }
}

using MatrixGrokker.Analysis;
using MatrixGrokker.Models;
using MatrixGrokker.Options;

namespace MatrixGrokker.Training;

/// <summary>
/// The live state of one training run, handed to every callback. Callbacks read it and act on it: request a stop,
/// skip the coming optimizer step, or change the learning rate or weight decay used by that step.
/// </summary>
public sealed class TrainingContext
{
    internal TrainingContext(IModel model, MatrixGrokkerOptions options, int stepsPerEpoch)
    {
        Model = model;
        Options = options;
        StepsPerEpoch = stepsPerEpoch;
        LearningRate = options.Training.LearningRate;
        WeightDecay = options.Training.WeightDecay;
    }

    /// <summary>The model being trained.</summary>
    public IModel Model { get; }

    /// <summary>The options of this run (validated).</summary>
    public MatrixGrokkerOptions Options { get; }

    /// <summary>Current epoch, 1-based.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Optimizer steps completed so far (skipped steps included).</summary>
    public long GlobalStep { get; internal set; }

    /// <summary>Mini-batches per full epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>
    /// Learning rate for the coming optimizer step. The schedule sets it before the regulariser and
    /// <see cref="ITrainerCallback.OnBeforeOptimizerStep"/> run; whatever it holds then is applied.
    /// </summary>
    public double LearningRate { get; set; }

    /// <summary>
    /// Decoupled weight decay for the coming optimizer step (AdamW: <c>θ ← θ·(1 − lr·wd)</c>). The regulariser sets
    /// it each step; callbacks may override it in <see cref="ITrainerCallback.OnBeforeOptimizerStep"/>.
    /// </summary>
    public double WeightDecay { get; set; }

    /// <summary>When set in <see cref="ITrainerCallback.OnBeforeOptimizerStep"/>, the coming update is not applied.</summary>
    public bool SkipStep { get; set; }

    /// <summary>True once a stop was requested; the loop ends after the current step.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Why the stop was requested.</summary>
    public string? StopReason { get; private set; }

    /// <summary>The most recent analyzer report, if analyzers have run.</summary>
    public AnalysisReport? LatestAnalysis
    {
        get => _latestAnalysis;
        internal set
        {
            _latestAnalysis = value;
            LatestAnalysisValues = value?.Flatten() ?? FlatAnalysisValues.Empty;
        }
    }

    // Flattened once per analyzer run and shared by every epoch record until the next run.
    internal IReadOnlyDictionary<string, double> LatestAnalysisValues { get; set; } = FlatAnalysisValues.Empty;

    /// <summary>Per-epoch history so far.</summary>
    public IReadOnlyList<EpochMetrics> History => HistoryList;

    internal List<EpochMetrics> HistoryList { get; } = [];

    private AnalysisReport? _latestAnalysis;

    /// <summary>Ends training after the current step.</summary>
    /// <param name="reason">Reported in the result and the log.</param>
    public void RequestStop(string reason)
    {
        StopRequested = true;
        StopReason ??= reason;
    }
}

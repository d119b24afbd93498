using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MatrixGrokker.Options;

/// <summary>
/// All settings of one experiment, grouped by concern. Defaults are the original project's <c>Config</c>.
/// Bind it from the configuration section <see cref="SectionName"/>; sub-sections are the property names.
/// </summary>
public sealed class MatrixGrokkerOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "MatrixGrokker";

    /// <summary>Network shape.</summary>
    [Required]
    [ValidateObjectMembers]
    public ModelOptions Model { get; set; } = new();

    /// <summary>Synthetic data.</summary>
    [Required]
    [ValidateObjectMembers]
    public DataOptions Data { get; set; } = new();

    /// <summary>Optimisation and stopping.</summary>
    [Required]
    [ValidateObjectMembers]
    public TrainingOptions Training { get; set; } = new();

    /// <summary>Analyzer schedule and thresholds.</summary>
    [Required]
    [ValidateObjectMembers]
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Checkpoint saving and resuming.</summary>
    [Required]
    [ValidateObjectMembers]
    public CheckpointOptions Checkpoint { get; set; } = new();

    /// <summary>Zero-shot transfer to larger matrices.</summary>
    [Required]
    [ValidateObjectMembers]
    public TransferOptions Transfer { get; set; } = new();
}

/// <summary>Activation function between hidden layers.</summary>
public enum ActivationKind
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,
    /// <summary>Gaussian error linear unit (exact form).</summary>
    Gelu,
}

/// <summary>Shape of the multilayer perceptron.</summary>
public sealed class ModelOptions
{
    /// <summary>n of the n×n matrices the model multiplies (input 2n², output n²). Default 2.</summary>
    [Range(1, 64)]
    public int MatrixSize { get; set; } = 2;

    /// <summary>Width of every hidden layer. Default 256.</summary>
    [Range(1, 65536)]
    public int HiddenDim { get; set; } = 256;

    /// <summary>Number of Linear layers (hidden layers + 1). Default 3.</summary>
    [Range(2, 64)]
    public int NumLayers { get; set; } = 3;

    /// <summary>Activation between Linear layers. Default <see cref="ActivationKind.Relu"/>.</summary>
    [EnumDataType(typeof(ActivationKind))]
    public ActivationKind Activation { get; set; } = ActivationKind.Relu;

    /// <summary>
    /// Every parameter is multiplied by this after PyTorch's default initialisation (Omnigrok's α). Default 1.
    /// Large values (e.g. 8) give the delayed-generalisation (grokking) regime.
    /// </summary>
    [Range(1e-6, 1e6)]
    public double InitScale { get; set; } = 1.0;
}

/// <summary>Random matrix pairs and their exact products.</summary>
public sealed class DataOptions : IValidatableObject
{
    /// <summary>Total number of (A, B) pairs, training plus validation. Default 10000.</summary>
    [Range(2, 100_000_000)]
    public int Samples { get; set; } = 10_000;

    /// <summary>Share of samples held out for validation, strictly between 0 and 1. Default 0.2.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double ValidationRatio { get; set; } = 0.2;

    /// <summary>Lower bound of the uniform entries of A and B. Default -1.</summary>
    [Range(-1e6, 1e6)]
    public double RangeLow { get; set; } = -1.0;

    /// <summary>Upper bound of the uniform entries of A and B. Default 1.</summary>
    [Range(-1e6, 1e6)]
    public double RangeHigh { get; set; } = 1.0;

    /// <summary>
    /// Validation rows a dataset of <paramref name="samples"/> pairs gets from <paramref name="validationRatio"/>
    /// (rounded to the nearest row): the one definition of the split, used by the dataset and every check of it.
    /// </summary>
    /// <param name="samples">Total pairs.</param>
    /// <param name="validationRatio">Share held out for validation.</param>
    public static int ValidationRows(int samples, double validationRatio) => (int)Math.Round(samples * validationRatio);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!(RangeLow < RangeHigh))
        {
            yield return new ValidationResult(
                $"RangeLow ({RangeLow}) must be less than RangeHigh ({RangeHigh}).",
                [nameof(RangeLow), nameof(RangeHigh)]);
        }

        // Only meaningful once both fields are individually valid; their own range errors say the rest.
        var validation = ValidationRows(Samples, ValidationRatio);
        if (Samples >= 2 && ValidationRatio is > 0 and < 1 && (validation < 1 || Samples - validation < 1))
        {
            yield return new ValidationResult(
                $"Samples ({Samples}) with ValidationRatio ({ValidationRatio}) leaves an empty training or validation set.",
                [nameof(Samples), nameof(ValidationRatio)]);
        }
    }
}

/// <summary>Optimisation, evaluation and stopping.</summary>
public sealed class TrainingOptions
{
    /// <summary>Seed of every random stream (data, initialisation, shuffling). Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Maximum number of epochs. Default 1000.</summary>
    [Range(1, 100_000_000)]
    public int Epochs { get; set; } = 1000;

    /// <summary>Mini-batch size. Default 128.</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 128;

    /// <summary>AdamW learning rate, in (0, 10]. Default 1e-3.</summary>
    [Range(0.0, 10.0, MinimumIsExclusive = true)]
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Base (decoupled) weight decay, in [0, 100]. Default 0.01.</summary>
    [Range(0.0, 100.0)]
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>A sample counts as correct when every output is within this of the target. Default 0.1.</summary>
    [Range(0.0, 1e6, MinimumIsExclusive = true)]
    public double AccuracyTolerance { get; set; } = 0.1;

    /// <summary>Training stops when train and validation accuracy both reach this. Default 0.9999.</summary>
    [Range(0.0, 1.0)]
    public double StopAccuracy { get; set; } = 0.9999;

    /// <summary>Train accuracy at which the grokking detector calls the training set memorised (and the validation threshold unless <see cref="GeneralizationThreshold"/> is set). Default 0.99.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double GrokThreshold { get; set; } = 0.99;

    /// <summary>
    /// Validation accuracy at which the grokking detector calls the model generalised; null (default) uses
    /// <see cref="GrokThreshold"/>. A lower value suits settings whose validation accuracy plateaus below 0.99.
    /// </summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double? GeneralizationThreshold { get; set; }

    /// <summary>Learning-rate schedule. Default constant.</summary>
    [EnumDataType(typeof(LearningRateSchedule))]
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Linear warm-up length in steps for the schedules that use it. Default 0.</summary>
    [Range(0, int.MaxValue)]
    public int WarmupSteps { get; set; }

    /// <summary>Lowest learning rate of the cosine schedule, as a fraction of <see cref="LearningRate"/>. Default 0.</summary>
    [Range(0.0, 1.0)]
    public double MinLearningRateFraction { get; set; }

    /// <summary>
    /// Trains an <see cref="Models.MlpModel"/> (ReLU, tanh or sigmoid) with a hand-written forward and backward pass
    /// instead of autograd: the same operations without building a graph, weight gradients written straight into
    /// the optimizer's buffer, and the same trajectory (bit for bit with ReLU in the tests); 1.06–1.07× faster on the
    /// default model. Forward hooks registered directly on the model's layers do not fire during training steps (a
    /// <see cref="Models.MlpModel.RecordActivations"/> recorder does: while one is alive the step goes through
    /// autograd). Default true.
    /// </summary>
    public bool FusedMlpStep { get; set; } = true;
}

/// <summary>How the learning rate changes over training.</summary>
public enum LearningRateSchedule
{
    /// <summary>The learning rate never changes (after the warm-up, if any).</summary>
    Constant,
    /// <summary>Cosine decay from the base rate to <see cref="TrainingOptions.MinLearningRateFraction"/> over all steps.</summary>
    Cosine,
}

/// <summary>When analyzers run, and the thresholds that interpret them.</summary>
public sealed class MetricsOptions
{
    /// <summary>Analyzers run every this many global optimizer steps (exactly). Default 200.</summary>
    [Range(1, int.MaxValue)]
    public int IntervalSteps { get; set; } = 200;

    /// <summary>Also run the analyzers at the end of every epoch. Default false.</summary>
    public bool RunAtEpochEnd { get; set; }

    /// <summary>Number of validation samples used as the probe batch of activation metrics. Default 100.</summary>
    [Range(2, 1_000_000)]
    public int ProbeSize { get; set; } = 100;

    /// <summary>Local-complexity threshold of the original project (reported, not used for control). Default 0.5.</summary>
    [Range(0.0, 1.0)]
    public double LcThreshold { get; set; } = 0.5;

    /// <summary>Superposition threshold of the original project (reported, not used for control). Default 0.5.</summary>
    [Range(0.0, 1.0)]
    public double SpThreshold { get; set; } = 0.5;
}

/// <summary>Checkpoint saving and resuming.</summary>
public sealed class CheckpointOptions
{
    /// <summary>Wall-clock time between periodic checkpoints (checked at epoch ends); zero disables. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Also save every this many epochs; 0 disables. Default 0.</summary>
    [Range(0, int.MaxValue)]
    public int EveryEpochs { get; set; }

    /// <summary>Resume from the latest valid checkpoint when one exists. Default true.</summary>
    public bool Resume { get; set; } = true;

    /// <summary>Ignore existing checkpoints and start over. Default false.</summary>
    public bool ForceFresh { get; set; }

    /// <summary>How many most recent checkpoints to keep (the best one is kept besides). Default 3.</summary>
    [Range(1, 10_000)]
    public int KeepLast { get; set; } = 3;

    /// <summary>
    /// When a periodic save fails (e.g. the disk is full), log a warning, raise
    /// <c>ITrainerCallback.OnCheckpointFailed</c> and keep training, trying again at the next epoch end; the earlier
    /// checkpoints stay as they were. The final save still throws. Default false: the failure ends training with the
    /// <c>CheckpointWriteException</c>.
    /// </summary>
    public bool ContinueOnSaveFailure { get; set; }

    /// <summary>
    /// Check every step's loss and gradients for NaN/Inf before the optimizer applies them (one device sync per
    /// step). Default true.
    /// </summary>
    public bool DetectDivergence { get; set; } = true;

    /// <summary>What a non-finite loss or gradient does. Default <see cref="DivergencePolicy.Stop"/>.</summary>
    [EnumDataType(typeof(DivergencePolicy))]
    public DivergencePolicy OnDivergence { get; set; } = DivergencePolicy.Stop;

    /// <summary>Each rollback multiplies the learning rate by this, in (0, 1). Default 0.5.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double RollbackLearningRateFactor { get; set; } = 0.5;

    /// <summary>Rollbacks allowed in one run before divergence stops it. Default 3.</summary>
    [Range(1, 1000)]
    public int MaxRollbacks { get; set; } = 3;
}

/// <summary>What the trainer does when a step produces a NaN or infinite loss or gradient.</summary>
public enum DivergencePolicy
{
    /// <summary>Skip the bad update and stop with <c>StopReason.Diverged</c> and a report.</summary>
    Stop,
    /// <summary>Reload the latest valid checkpoint and continue with a reduced learning rate.</summary>
    Rollback,
}

/// <summary>Zero-shot transfer to larger matrices.</summary>
public sealed class TransferOptions : IValidatableObject
{
    /// <summary>Matrix sizes to evaluate after training. Default [4, 8]; each in [2, 64].</summary>
    public IList<int> ExpansionSizes { get; set; } = [4, 8];

    /// <summary>Number of random matrix pairs evaluated per size, at least 2 (the model analyzers need two rows). Default 1000.</summary>
    [Range(2, 10_000_000)]
    public int EvaluationSamples { get; set; } = 1000;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ExpansionSizes is null || ExpansionSizes.Count == 0)
        {
            yield return new ValidationResult("ExpansionSizes must name at least one size.", [nameof(ExpansionSizes)]);
            yield break;
        }

        foreach (var size in ExpansionSizes)
        {
            if (size is < 2 or > 64)
            {
                yield return new ValidationResult(
                    $"ExpansionSizes contains {size}; each size must be in [2, 64].", [nameof(ExpansionSizes)]);
            }
        }

        // The evaluator holds one size's pairs and exact products at once (float32 A, B and float32 C).
        var largest = ExpansionSizes.Max();
        var bytes = 3L * 4 * largest * largest * EvaluationSamples;
        if (bytes > MaxEvaluationBytes)
        {
            yield return new ValidationResult(
                $"EvaluationSamples {EvaluationSamples} at size {largest} would hold {bytes / (1L << 30)} GiB of matrices at once; " +
                $"keep EvaluationSamples × n² × 12 B under {MaxEvaluationBytes >> 30} GiB.",
                [nameof(EvaluationSamples), nameof(ExpansionSizes)]);
        }
    }

    private const long MaxEvaluationBytes = 4L << 30;
}

/// <summary>Source-generated validator of <see cref="MatrixGrokkerOptions"/>, including nested sections.</summary>
[OptionsValidator]
public sealed partial class MatrixGrokkerOptionsValidator : IValidateOptions<MatrixGrokkerOptions>
{
}

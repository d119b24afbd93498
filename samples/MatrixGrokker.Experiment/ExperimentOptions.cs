namespace MatrixGrokker.Experiment;

/// <summary>Settings of the experiment driver itself (section <c>Experiment</c>); the library's options hold the rest.</summary>
public sealed class ExperimentOptions
{
    /// <summary>Run folder. Default <c>runs/&lt;UTC timestamp&gt;</c>.</summary>
    public string? Out { get; set; }

    /// <summary>Name of the preset applied (a section under <c>Presets</c> in the configuration).</summary>
    public string? Preset { get; set; }

    /// <summary>Ignore existing checkpoints and run outputs in <see cref="Out"/>.</summary>
    public bool Fresh { get; set; }

    /// <summary>
    /// Stop <see cref="StopPatienceEpochs"/> epochs after the grokking detector reports generalisation (validation
    /// accuracy ≥ the generalisation threshold). The seed's own rule (train and validation ≥ 0.9999) never fires with
    /// its defaults, so without this all epochs run.
    /// </summary>
    public bool StopAtGrok { get; set; } = true;

    /// <summary>Epochs to keep training after generalisation before stopping. Default 20.</summary>
    public int StopPatienceEpochs { get; set; } = 20;

    /// <summary>Wall-clock budget for training; zero means none. Default none (appsettings sets 90 s).</summary>
    public TimeSpan MaxTrainingTime { get; set; }

    /// <summary>
    /// Intra-op threads for TorchSharp; 0 keeps torch's default. Default 1: on a small, shared CPU more threads spin
    /// against each other (measured ~20× slower on this 2-core machine under load).
    /// </summary>
    public int Threads { get; set; } = 1;

    /// <summary><c>thermal</c> (the seed's adaptive weight decay) or <c>constant</c>. Default thermal.</summary>
    public string Regularizer { get; set; } = "thermal";

    /// <summary>Transfer strategies to evaluate; empty means all available.</summary>
    public IList<string> Strategies { get; set; } = [];

    /// <summary>Write PNG plots. Default true.</summary>
    public bool Plots { get; set; } = true;

    /// <summary>Write TensorBoard event files. Default true.</summary>
    public bool TensorBoard { get; set; } = true;

    /// <summary>Plain progress line every this many epochs when output is redirected. Default 10.</summary>
    public int ProgressEveryEpochs { get; set; } = 10;

    /// <summary>Minimum memorisation-to-generalisation gap, in epochs, reported as grokking. Default 100.</summary>
    public int GrokMinGapEpochs { get; set; } = 100;

    internal IEnumerable<string> Validate()
    {
        if (StopPatienceEpochs < 0)
        {
            yield return $"--Experiment:StopPatienceEpochs must be ≥ 0 (got {StopPatienceEpochs}).";
        }

        if (MaxTrainingTime < TimeSpan.Zero)
        {
            yield return $"--Experiment:MaxTrainingTime must not be negative (got {MaxTrainingTime}).";
        }

        if (Threads is < 0 or > 1024)
        {
            yield return $"--Experiment:Threads must be in [0, 1024] (got {Threads}).";
        }

        if (Regularizer is not ("thermal" or "constant"))
        {
            yield return $"--Experiment:Regularizer must be 'thermal' or 'constant' (got '{Regularizer}').";
        }

        if (ProgressEveryEpochs < 1)
        {
            yield return $"--Experiment:ProgressEveryEpochs must be ≥ 1 (got {ProgressEveryEpochs}).";
        }

        if (GrokMinGapEpochs < 0)
        {
            yield return $"--Experiment:GrokMinGapEpochs must be ≥ 0 (got {GrokMinGapEpochs}).";
        }

        foreach (var s in Strategies)
        {
            if (!TransferStrategies.Known.Contains(s))
            {
                yield return $"--Experiment:Strategies contains unknown strategy '{s}' (known: {string.Join(", ", TransferStrategies.Known)}).";
            }
        }

        if (Out is not null && string.IsNullOrWhiteSpace(Out))
        {
            yield return "--Experiment:Out must not be empty.";
        }
    }
}

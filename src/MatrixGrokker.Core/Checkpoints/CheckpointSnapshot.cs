using System.Text.Json;
using MatrixGrokker.Training;
using static TorchSharp.torch;

namespace MatrixGrokker.Checkpoints;

// Everything a checkpoint holds, as managed data: the file codec never touches native tensors.
internal sealed class CheckpointSnapshot
{
    public required CheckpointMetadata Metadata { get; init; }

    public List<TensorBlob> Tensors { get; init; } = [];

    public TensorBlob? Find(string name) => Tensors.Find(t => t.Name == name);

    public TensorBlob Get(string name, string path) =>
        Find(name) ?? throw new CheckpointCorruptException(path, $"Checkpoint '{path}' has no entry '{name}'.");
}

// Scalars and history, stored as UTF-8 JSON at the start of the payload.
internal sealed class CheckpointMetadata
{
    public string LibraryVersion { get; set; } = string.Empty;

    public DateTimeOffset CreatedUtc { get; set; }

    // Epochs fully trained; training resumes in epoch CompletedEpochs + 1.
    public int CompletedEpochs { get; set; }

    public long GlobalStep { get; set; }

    // Mini-batches already trained in the epoch in progress (0 at an epoch boundary) and that epoch's running sums.
    public int BatchesIntoEpoch { get; set; }

    public double PartialLossSum { get; set; }

    public long PartialCorrect { get; set; }

    public int PartialSeen { get; set; }

    public double LearningRate { get; set; }

    public double WeightDecay { get; set; }

    // Product of all rollback reductions so far (1 when none).
    public double LearningRateScale { get; set; } = 1;

    public int Rollbacks { get; set; }

    public string RegularizerName { get; set; } = string.Empty;

    public Dictionary<string, double> RegularizerState { get; set; } = [];

    public string OptimizerKind { get; set; } = string.Empty;

    // True when the run ended by convergence or its epoch limit; a rerun with the same limits does nothing.
    public bool Finished { get; set; }

    public StopReason? StopReason { get; set; }

    public string? StopMessage { get; set; }

    public int EpochLimit { get; set; }

    public double StopAccuracy { get; set; }

    public double? ValidationLoss { get; set; }

    public List<EpochMetrics> History { get; set; } = [];

    /// <summary>
    /// The latest analyzer values (flattened) when the checkpoint was taken; they can be newer than the last epoch
    /// record when the checkpoint is mid-epoch. Null in checkpoints written before this field existed.
    /// </summary>
    public Dictionary<string, double>? LatestAnalysis { get; set; }

    public JsonElement? Options { get; set; }
}

internal sealed record TensorBlob(string Name, ScalarType DType, long[] Shape, byte[] Data)
{
    // Copies a tensor's values (any device, any layout) into managed memory.
    public static TensorBlob From(string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().cpu().contiguous();
        return new TensorBlob(name, cpu.dtype, cpu.shape, cpu.bytes.ToArray());
    }

    public static TensorBlob FromBytes(string name, byte[] data) => new(name, ScalarType.Byte, [data.LongLength], data);

    // A new CPU tensor holding the values; the caller owns it.
    public Tensor ToTensor()
    {
        var tensor = empty(Shape, DType);
        tensor.bytes = Data;
        return tensor;
    }
}

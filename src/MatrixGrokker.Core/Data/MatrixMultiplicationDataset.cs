using MatrixGrokker.Options;
using MatrixGrokker.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Data;

/// <summary>
/// Random pairs (A, B) of n×n matrices with entries uniform in [low, high), and their exact products C = A·B.
/// Inputs are rows <c>[vec(A) | vec(B)]</c>, targets <c>vec(C)</c>, all row-major, float32.
/// Samples are i.i.d., so the last <c>round(count·ratio)</c> rows form the validation set.
/// </summary>
public sealed class MatrixMultiplicationDataset : IDataset
{
    private readonly Tensor _trainX;
    private readonly Tensor _trainY;
    private readonly Tensor _valX;
    private readonly Tensor _valY;

    /// <summary>Generates the dataset described by <paramref name="options"/>.</summary>
    /// <param name="options">Sample count, split and range.</param>
    /// <param name="matrixSize">n.</param>
    /// <param name="seed">Seed of the data generator (independent of torch's global generator).</param>
    public MatrixMultiplicationDataset(DataOptions options, int matrixSize, long seed)
        : this(matrixSize, options?.Samples ?? throw new ArgumentNullException(nameof(options)), options.ValidationRatio, options.RangeLow, options.RangeHigh, seed)
    {
    }

    /// <summary>Generates <paramref name="samples"/> random pairs and splits them.</summary>
    /// <param name="matrixSize">n.</param>
    /// <param name="samples">Total number of pairs.</param>
    /// <param name="validationRatio">Share held out for validation, in (0, 1).</param>
    /// <param name="low">Lower bound of entries.</param>
    /// <param name="high">Upper bound of entries (exclusive).</param>
    /// <param name="seed">Seed of the data generator.</param>
    public MatrixMultiplicationDataset(int matrixSize, int samples, double validationRatio, double low, double high, long seed)
    {
        TorchRuntime.EnsureAvailable();
        ArgumentOutOfRangeException.ThrowIfLessThan(matrixSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 2);
        if (!(validationRatio > 0 && validationRatio < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationRatio), validationRatio, "Must be strictly between 0 and 1.");
        }

        if (!(low < high))
        {
            throw new ArgumentException($"low ({low}) must be less than high ({high}).", nameof(low));
        }

        var validation = DataOptions.ValidationRows(samples, validationRatio);
        if (validation < 1 || validation >= samples)
        {
            throw new ArgumentException($"{samples} samples with ratio {validationRatio} leave an empty split.", nameof(validationRatio));
        }

        MatrixSize = matrixSize;
        Low = low;
        High = high;
        TrainCount = samples - validation;
        ValidationCount = validation;

        using var scope = NewDisposeScope();
        var (a, b) = SamplePairs(matrixSize, samples, low, high, seed);
        var x = Flatten(a, b);
        var y = ExactProduct(a, b).reshape(samples, -1);
        _trainX = x.narrow(0, 0, TrainCount).contiguous().DetachFromDisposeScope();
        _trainY = y.narrow(0, 0, TrainCount).contiguous().DetachFromDisposeScope();
        _valX = x.narrow(0, TrainCount, validation).contiguous().DetachFromDisposeScope();
        _valY = y.narrow(0, TrainCount, validation).contiguous().DetachFromDisposeScope();
    }

    /// <summary>n of the n×n matrices.</summary>
    public int MatrixSize { get; }

    /// <summary>Lower bound of the entries.</summary>
    public double Low { get; }

    /// <summary>Upper bound of the entries (exclusive).</summary>
    public double High { get; }

    /// <inheritdoc />
    public int InputSize => 2 * MatrixSize * MatrixSize;

    /// <inheritdoc />
    public int OutputSize => MatrixSize * MatrixSize;

    /// <inheritdoc />
    public Tensor TrainInputs => _trainX;

    /// <inheritdoc />
    public Tensor TrainTargets => _trainY;

    /// <inheritdoc />
    public Tensor ValidationInputs => _valX;

    /// <inheritdoc />
    public Tensor ValidationTargets => _valY;

    /// <inheritdoc />
    public int TrainCount { get; }

    /// <inheritdoc />
    public int ValidationCount { get; }

    /// <summary>
    /// Draws <paramref name="count"/> pairs of n×n float32 matrices uniform in [low, high) from a generator seeded
    /// with <paramref name="seed"/>. Returns tensors [count, n, n] in the caller's dispose scope.
    /// </summary>
    /// <param name="n">Matrix size.</param>
    /// <param name="count">Number of pairs.</param>
    /// <param name="low">Lower bound.</param>
    /// <param name="high">Upper bound (exclusive).</param>
    /// <param name="seed">Generator seed.</param>
    public static (Tensor A, Tensor B) SamplePairs(int n, int count, double low, double high, long seed)
    {
        TorchRuntime.EnsureAvailable();
        using var generator = new Generator((ulong)seed);
        var a = rand([count, n, n], ScalarType.Float32, generator: generator).mul_(high - low).add_(low);
        var b = rand([count, n, n], ScalarType.Float32, generator: generator).mul_(high - low).add_(low);
        return (a, b);
    }

    /// <summary>Row-major flattening of a batch of pairs into rows <c>[vec(A) | vec(B)]</c>.</summary>
    /// <param name="a">[count, n, n].</param>
    /// <param name="b">[count, n, n].</param>
    public static Tensor Flatten(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var count = a.shape[0];
        return cat([a.reshape(count, -1), b.reshape(count, -1)], 1);
    }

    /// <summary>
    /// A·B for batches of float32 matrices, accumulated in float64 and rounded once to float32, so targets carry no
    /// float32 summation error.
    /// </summary>
    /// <param name="a">[count, n, n].</param>
    /// <param name="b">[count, n, n].</param>
    public static Tensor ExactProduct(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return matmul(a.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64)).to_type(ScalarType.Float32);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _trainX.Dispose();
        _trainY.Dispose();
        _valX.Dispose();
        _valY.Dispose();
    }
}

using System.Diagnostics;
using MatrixGrokker.Analysis;
using MatrixGrokker.Data;
using MatrixGrokker.Options;
using static TorchSharp.torch;

namespace MatrixGrokker.Transfer;

/// <summary>
/// Scores transfer strategies on fresh random n×n pairs (uniform in the training range, exact products as targets),
/// the same pairs for every strategy at a given size. Runs under <c>no_grad</c>, in its own dispose scope.
/// </summary>
public sealed class TransferEvaluator
{
    private readonly int _probeSize = 100;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="sizes">Matrix sizes, each in [1, 64].</param>
    /// <param name="samples">Pairs per size.</param>
    /// <param name="low">Lower bound of entries.</param>
    /// <param name="high">Upper bound of entries.</param>
    /// <param name="tolerance">An entry is correct when within this of the exact product.</param>
    /// <param name="seed">Seed of the evaluation pairs.</param>
    /// <param name="batchSize">Pairs handed to a strategy per call.</param>
    public TransferEvaluator(IEnumerable<int> sizes, int samples = 1000, double low = -1, double high = 1, double tolerance = 0.1, long seed = 1234, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        Sizes = sizes.ToArray();
        if (Sizes.Count == 0)
        {
            throw new ArgumentException("At least one matrix size is needed.", nameof(sizes));
        }

        foreach (var n in Sizes)
        {
            if (n is < 1 or > 64)
            {
                throw new ArgumentOutOfRangeException(nameof(sizes), n, "Every transfer size must be in [1, 64].");
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tolerance);
        if (!(low < high))
        {
            throw new ArgumentException($"low ({low}) must be less than high ({high}).", nameof(low));
        }

        Samples = samples;
        Low = low;
        High = high;
        Tolerance = tolerance;
        Seed = seed;
        BatchSize = batchSize;
    }

    /// <summary>Builds an evaluator from the run's options: transfer sizes and sample count, data range, accuracy tolerance, seed.</summary>
    /// <param name="options">Validated run options.</param>
    /// <param name="analyzers">Analyzers for the strategies' models (<see cref="Analyzers"/>), probed with <see cref="MetricsOptions.ProbeSize"/> pairs.</param>
    public static TransferEvaluator FromOptions(MatrixGrokkerOptions options, IEnumerable<IAnalyzer>? analyzers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new TransferEvaluator(
            options.Transfer.ExpansionSizes, options.Transfer.EvaluationSamples, options.Data.RangeLow, options.Data.RangeHigh,
            options.Training.AccuracyTolerance, options.Training.Seed + 7919L)
        {
            Analyzers = analyzers?.ToArray() ?? [],
            ProbeSize = options.Metrics.ProbeSize,
        };
    }

    /// <summary>Sizes evaluated.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>Pairs per size.</summary>
    public int Samples { get; }

    /// <summary>Lower bound of entries.</summary>
    public double Low { get; }

    /// <summary>Upper bound of entries.</summary>
    public double High { get; }

    /// <summary>Accuracy tolerance.</summary>
    public double Tolerance { get; }

    /// <summary>Seed of the evaluation pairs.</summary>
    public long Seed { get; }

    /// <summary>Pairs per strategy call.</summary>
    public int BatchSize { get; }

    /// <summary>
    /// Analyzers run on the model of every <see cref="ITransferModelSource"/> strategy (e.g. LC and SP); empty by default.
    /// </summary>
    public IReadOnlyList<IAnalyzer> Analyzers { get; init; } = [];

    /// <summary>Probe pairs for <see cref="Analyzers"/>, at least 2. Default 100.</summary>
    public int ProbeSize
    {
        get => _probeSize;
        init => _probeSize = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "ProbeSize must be at least 2.");
    }

    /// <summary>Evaluates every strategy at every size it supports.</summary>
    /// <param name="strategies">Strategies, in report order.</param>
    /// <param name="onResult">Called after each result (e.g. to raise events or log).</param>
    /// <param name="cancellationToken">Stops between results.</param>
    public TransferReport Evaluate(IEnumerable<ITransferStrategy> strategies, Action<TransferResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        var list = strategies.ToArray();
        var results = new List<TransferResult>();
        var skipped = new List<string>();
        foreach (var n in Sizes)
        {
            using var scope = NewDisposeScope();
            var (a, b) = MatrixMultiplicationDataset.SamplePairs(n, Samples, Low, High, Seed + n);
            var c = MatrixMultiplicationDataset.ExactProduct(a, b);
            foreach (var strategy in list)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!strategy.Supports(n))
                {
                    skipped.Add($"{strategy.Name}@{n}");
                    continue;
                }

                var result = Score(strategy, a, b, c, n);
                results.Add(result);
                onResult?.Invoke(result);
            }
        }

        return new TransferReport(results, skipped);
    }

    /// <summary>Scores predictions against exact products; shared by every strategy so metrics mean the same thing.</summary>
    /// <param name="prediction">[count, n, n].</param>
    /// <param name="exact">[count, n, n].</param>
    /// <param name="tolerance">Per-entry tolerance.</param>
    internal static (double Accuracy, double ElementAccuracy, double Mse, double RelativeError) Metrics(Tensor prediction, Tensor exact, double tolerance)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var count = exact.shape[0];
        var diff = (prediction.to_type(ScalarType.Float64) - exact.to_type(ScalarType.Float64)).reshape(count, -1);
        var within = diff.abs() < tolerance;
        var exactNorm = exact.to_type(ScalarType.Float64).reshape(count, -1).norm(1);

        // Guard an all-zero product (possible only with degenerate inputs) against division by zero.
        var relative = diff.norm(1) / exactNorm.clamp_min(1e-30);
        return (
            within.all(1).to_type(ScalarType.Float64).mean().item<double>(),
            within.to_type(ScalarType.Float64).mean().item<double>(),
            diff.square().mean().item<double>(),
            relative.mean().item<double>());
    }

    private TransferResult Score(ITransferStrategy strategy, Tensor a, Tensor b, Tensor c, int n)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var start = Stopwatch.GetTimestamp();
        var parts = new List<Tensor>();
        for (var i = 0; i < Samples; i += BatchSize)
        {
            var len = Math.Min(BatchSize, Samples - i);
            var product = strategy.Multiply(a.narrow(0, i, len), b.narrow(0, i, len));
            if (!product.shape.SequenceEqual(new long[] { len, n, n }))
            {
                throw new InvalidOperationException(
                    $"Strategy '{strategy.Name}' returned shape [{string.Join(", ", product.shape)}] for {len} pairs of {n}×{n}.");
            }

            parts.Add(product);
        }

        var prediction = parts.Count == 1 ? parts[0] : cat(parts, 0);
        var (accuracy, elementAccuracy, mse, relative) = Metrics(prediction, c, Tolerance);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new TransferResult(strategy.Name, n, accuracy, elementAccuracy, mse, relative, Tolerance, Samples, elapsed)
        {
            ModelMetrics = Analyze(strategy, a, b, n),
        };
    }

    // The model sees m×m inputs: probe it with the top-left m×m blocks of the evaluation pairs.
    private IReadOnlyDictionary<string, double>? Analyze(ITransferStrategy strategy, Tensor a, Tensor b, int n)
    {
        if (Analyzers.Count == 0 || strategy is not ITransferModelSource source || source.ModelFor(n) is not { } model || model.MatrixSize > n)
        {
            return null;
        }

        var m = model.MatrixSize;
        var rows = (int)Math.Min(ProbeSize, a.shape[0]);
        var probe = MatrixMultiplicationDataset.Flatten(
            a.narrow(0, 0, rows).narrow(1, 0, m).narrow(2, 0, m), b.narrow(0, 0, rows).narrow(1, 0, m).narrow(2, 0, m));
        return AnalyzerRunner.Run(Analyzers, model, probe, trigger: AnalysisTrigger.Manual).Flatten();
    }
}

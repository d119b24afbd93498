using System.Text.Json;
using System.Text.Json.Serialization;

namespace MatrixGrokker.Transfer;

/// <summary>How well one strategy multiplied n×n matrices.</summary>
/// <param name="Strategy">The strategy's <see cref="ITransferStrategy.Name"/>.</param>
/// <param name="Size">n.</param>
/// <param name="Accuracy">Share of pairs whose every product entry is strictly within <paramref name="Tolerance"/>.</param>
/// <param name="ElementAccuracy">Share of individual product entries strictly within <paramref name="Tolerance"/>.</param>
/// <param name="Mse">Mean squared error over all entries.</param>
/// <param name="RelativeError">Mean over pairs of ‖Ĉ − C‖_F / ‖C‖_F.</param>
/// <param name="Tolerance">Accuracy tolerance.</param>
/// <param name="Samples">Number of matrix pairs evaluated.</param>
/// <param name="Duration">Wall time of the strategy's multiplications and the scoring.</param>
public sealed record TransferResult(
    string Strategy,
    int Size,
    double Accuracy,
    double ElementAccuracy,
    double Mse,
    double RelativeError,
    double Tolerance,
    int Samples,
    TimeSpan Duration)
{
    /// <summary>
    /// Analyzer values (flattened, e.g. <c>lc</c>, <c>sp</c>) of the model the strategy used, when the strategy is an
    /// <see cref="ITransferModelSource"/> and the evaluator has analyzers; otherwise null.
    /// </summary>
    public IReadOnlyDictionary<string, double>? ModelMetrics { get; init; }
}

/// <summary>All transfer results of one evaluation.</summary>
/// <param name="Results">One row per strategy and size, in evaluation order.</param>
/// <param name="Skipped">Strategy/size combinations the strategy does not support.</param>
public sealed record TransferReport(IReadOnlyList<TransferResult> Results, IReadOnlyList<string> Skipped)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The result for <paramref name="strategy"/> at size <paramref name="size"/>, or null.</summary>
    /// <param name="strategy">Strategy name.</param>
    /// <param name="size">n.</param>
    public TransferResult? Find(string strategy, int size) =>
        Results.FirstOrDefault(r => r.Strategy == strategy && r.Size == size);

    /// <summary>Indented camelCase JSON (durations in seconds as <c>durationSeconds</c>).</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            results = Results.Select(r => new
            {
                r.Strategy,
                r.Size,
                r.Accuracy,
                r.ElementAccuracy,
                r.Mse,
                r.RelativeError,
                r.Tolerance,
                r.Samples,
                DurationSeconds = r.Duration.TotalSeconds,
                r.ModelMetrics,
            }),
            skipped = Skipped,
        },
        Json);
}

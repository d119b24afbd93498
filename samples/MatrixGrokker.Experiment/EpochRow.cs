using System.Globalization;
using System.Text.Json.Nodes;
using MatrixGrokker.Training;

namespace MatrixGrokker.Experiment;

/// <summary>One row of metrics.csv / metrics.jsonl: the epoch's metrics plus the analyzer headline values.</summary>
internal sealed record EpochRow(
    int Epoch,
    long Step,
    double TrainLoss,
    double TrainAccuracy,
    double ValidationLoss,
    double ValidationAccuracy,
    double? LocalComplexity,
    double? Superposition,
    double? EffectiveRank,
    double WeightDecay,
    double LearningRate,
    double IterationsPerSecond,
    double ElapsedSeconds)
{
    public const string CsvHeader = "epoch,step,train_loss,train_acc,val_loss,val_acc,lc,sp,effective_rank,wd,lr,it_s,elapsed_s";

    public static EpochRow From(EpochMetrics m) => new(
        m.Epoch, m.GlobalStep, m.TrainLoss, m.TrainAccuracy, m.ValidationLoss, m.ValidationAccuracy,
        Lookup(m.Analysis, "lc"), Lookup(m.Analysis, "sp"), LookupSuffix(m.Analysis, "effective_rank"),
        m.WeightDecay, m.LearningRate, m.IterationsPerSecond, m.Elapsed.TotalSeconds);

    public string ToCsv() => string.Join(',', new[]
    {
        Epoch.ToString(CultureInfo.InvariantCulture), Step.ToString(CultureInfo.InvariantCulture),
        F(TrainLoss), F(TrainAccuracy), F(ValidationLoss), F(ValidationAccuracy),
        F(LocalComplexity), F(Superposition), F(EffectiveRank), F(WeightDecay), F(LearningRate), F(IterationsPerSecond), F(ElapsedSeconds),
    });

    public string ToJsonLine() => new JsonObject
    {
        ["epoch"] = Epoch,
        ["step"] = Step,
        ["train_loss"] = J(TrainLoss),
        ["train_acc"] = J(TrainAccuracy),
        ["val_loss"] = J(ValidationLoss),
        ["val_acc"] = J(ValidationAccuracy),
        ["lc"] = J(LocalComplexity),
        ["sp"] = J(Superposition),
        ["effective_rank"] = J(EffectiveRank),
        ["wd"] = J(WeightDecay),
        ["lr"] = J(LearningRate),
        ["it_s"] = J(IterationsPerSecond),
        ["elapsed_s"] = J(ElapsedSeconds),
    }.ToJsonString();

    // Non-finite values and missing analyzers become empty CSV cells / JSON nulls.
    private static string F(double? v) => v is { } d && double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    private static JsonNode? J(double? v) => v is { } d && double.IsFinite(d) ? JsonValue.Create(d) : null;

    private static double? Lookup(IReadOnlyDictionary<string, double> values, string key) =>
        values.TryGetValue(key, out var v) ? v : null;

    private static double? LookupSuffix(IReadOnlyDictionary<string, double> values, string suffix) =>
        values.FirstOrDefault(kv => kv.Key.EndsWith(suffix, StringComparison.Ordinal)) is { Key: not null } kv ? kv.Value : null;
}

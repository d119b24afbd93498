using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Transfer;

namespace MatrixGrokker.Experiment;

/// <summary>The transfer strategies the experiment knows, built around a trained model.</summary>
internal static class TransferStrategies
{
    public const string WeightEmbedding = "weight-embedding";
    public const string BlockComposition = "block-composition";

    public static readonly IReadOnlyList<string> Known = [WeightEmbedding, BlockComposition];

    // The one place a new strategy (e.g. bilinear recursion) is added.
    public static List<ITransferStrategy> Create(IEnumerable<string> names, MlpModel model, MatrixGrokkerOptions options)
    {
        var selected = names.Any() ? names.ToArray() : [.. Known];
        var list = new List<ITransferStrategy>();
        foreach (var name in selected)
        {
            list.Add(name switch
            {
                WeightEmbedding => new WeightEmbeddingStrategy(model, options.Training.Seed + 1),
                BlockComposition => new BlockCompositionStrategy(model),
                _ => throw new ArgumentException($"Unknown transfer strategy '{name}'.", nameof(names)),
            });
        }

        return list;
    }
}

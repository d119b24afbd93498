using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Strassen;
using MatrixGrokker.Transfer;

namespace MatrixGrokker.Experiment;

/// <summary>The transfer strategies the experiment knows, built around a trained model.</summary>
internal static class TransferStrategies
{
    public const string WeightEmbedding = "weight-embedding";
    public const string BlockComposition = "block-composition";
    public const string BilinearRecursion = "bilinear-recursion";

    public static readonly IReadOnlyList<string> Known = [WeightEmbedding, BlockComposition, BilinearRecursion];

    // The one place a new strategy is added.
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
                BilinearRecursion => DiscoverBilinearRule(options.Training.Seed),
                _ => throw new ArgumentException($"Unknown transfer strategy '{name}'.", nameof(names)),
            });
        }

        return list;
    }

    // An MLP has no rule to recurse, so a bilinear model learns its own 2×2 rule from random products first (about a
    // second). An unverified discovery still transfers, with its continuous coefficients and the error they carry.
    private static BilinearRecursionStrategy DiscoverBilinearRule(int seed)
    {
        var result = new StrassenDiscovery(new StrassenDiscoveryOptions()).Run(seed);
        return new BilinearRecursionStrategy(result.Algorithm ?? result.FinalAttempt.Continuous);
    }
}

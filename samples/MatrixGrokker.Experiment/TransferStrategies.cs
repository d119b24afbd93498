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

    // The one place a new strategy is added. The bilinear rule, when asked for, is described in `rule`.
    public static List<ITransferStrategy> Create(IEnumerable<string> names, MlpModel model, MatrixGrokkerOptions options, out BilinearRuleSummary? rule, CancellationToken cancellationToken = default)
    {
        rule = null;
        var selected = names.Any() ? names.ToArray() : [.. Known];
        var list = new List<ITransferStrategy>();
        try
        {
            foreach (var name in selected)
            {
                list.Add(name switch
                {
                    WeightEmbedding => new WeightEmbeddingStrategy(model, options.Training.Seed + 1),
                    BlockComposition => new BlockCompositionStrategy(model),
                    BilinearRecursion => DiscoverBilinearRule(options.Training.Seed, out rule, cancellationToken),
                    _ => throw new ArgumentException($"Unknown transfer strategy '{name}'.", nameof(names)),
                });
            }
        }
        catch
        {
            // e.g. Ctrl+C during discovery: the strategies built so far hold models
            foreach (var built in list.OfType<IDisposable>())
            {
                built.Dispose();
            }

            throw;
        }

        return list;
    }

    // An MLP has no rule to recurse, so a separate bilinear model learns its own 2×2 rule from random products first
    // (about a second); its rows say nothing about the trained MLP. An unverified discovery still transfers, with its
    // continuous coefficients and the error they carry, and the summary says which it was.
    private static BilinearRecursionStrategy DiscoverBilinearRule(int seed, out BilinearRuleSummary rule, CancellationToken cancellationToken)
    {
        var result = new StrassenDiscovery(new StrassenDiscoveryOptions()).Run(seed, cancellationToken);
        var algorithm = result.Algorithm ?? result.FinalAttempt.Continuous;
        rule = new BilinearRuleSummary(
            "a separate bilinear model trained on random products, not the trained MLP",
            result.Verified, algorithm.Rank, result.Attempts.Count, result.Elapsed.TotalSeconds);
        return new BilinearRecursionStrategy(algorithm);
    }
}

/// <summary>Where the bilinear-recursion rows come from.</summary>
/// <param name="Source">What produced the rule.</param>
/// <param name="Verified">Exact (Brent equations) with at most 7 products; otherwise the continuous coefficients were used.</param>
/// <param name="Products">Products in the rule.</param>
/// <param name="Attempts">Discovery attempts.</param>
/// <param name="DiscoverySeconds">Discovery time (not part of the rows' durations).</param>
public sealed record BilinearRuleSummary(string Source, bool Verified, int Products, int Attempts, double DiscoverySeconds);

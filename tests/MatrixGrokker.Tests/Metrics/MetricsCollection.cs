namespace MatrixGrokker.Tests.Metrics;

/// <summary>
/// Torch's global generator is process-wide: module initialisation and the RNG-isolation tests read it, so these
/// tests run alone rather than beside other classes that seed or draw from it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics (global torch RNG)";
}

namespace MatrixGrokker.Tests;

/// <summary>
/// Torch's global generator is process-wide. Tests that seed it and then read it, or assert that library code leaves
/// it alone, run in this collection, which xunit runs on its own after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    public const string Name = "Global torch RNG";
}

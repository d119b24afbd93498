using MatrixGrokker.Options;

namespace MatrixGrokker.Tests;

internal static class TestOptions
{
    // Small but real configuration: the seed's model on fewer samples, so tests stay quick.
    public static MatrixGrokkerOptions Small(int samples = 2000, int epochs = 3, int seed = 42)
    {
        var options = new MatrixGrokkerOptions();
        options.Data.Samples = samples;
        options.Training.Epochs = epochs;
        options.Training.Seed = seed;
        return options;
    }
}

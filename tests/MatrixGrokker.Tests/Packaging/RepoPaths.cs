namespace MatrixGrokker.Tests.Packaging;

internal static class RepoPaths
{
    // The test assembly runs from tests/MatrixGrokker.Tests/bin/<config>/<tfm>/; the root is where the solution is.
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MatrixGrokker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No MatrixGrokker.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}

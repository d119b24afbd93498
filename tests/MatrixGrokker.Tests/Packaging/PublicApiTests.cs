using System.Reflection;
using MatrixGrokker.Training;

namespace MatrixGrokker.Tests.Packaging;

/// Approved-API gate: the public surface of each package must match the committed listing, so an accidental breaking
/// change (or an unplanned addition) fails CI. After an intended change, regenerate the listings with
/// MATRIXGROKKER_UPDATE_API=1 dotnet test tests/MatrixGrokker.Tests -c Release --filter "FullyQualifiedName~PublicApi"
/// and commit the diff of tests/MatrixGrokker.Tests/Packaging/api/.
public class PublicApiTests
{
    public const string UpdateVariable = "MATRIXGROKKER_UPDATE_API";

    public static TheoryData<string> Assemblies => new() { "MatrixGrokker", "MatrixGrokker.Metrics" };

    internal static string ApprovedPath(string assembly) =>
        Path.Combine(RepoPaths.Root, "tests", "MatrixGrokker.Tests", "Packaging", "api", assembly + ".txt");

    internal static Assembly Load(string name)
    {
        // Touch a Core type so the assembly is loaded the same way the other tests load it.
        _ = typeof(Trainer);
        return Assembly.Load(name);
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Public_api_matches_the_approved_listing(string assembly)
    {
        var actual = PublicApiListing.Render(Load(assembly));
        var path = ApprovedPath(assembly);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        var approved = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        if (approved == actual)
        {
            return;
        }

        var approvedLines = approved.Split('\n');
        var actualLines = actual.Split('\n');
        var removed = approvedLines.Except(actualLines).Select(l => "- " + l);
        var added = actualLines.Except(approvedLines).Select(l => "+ " + l);
        Assert.Fail(
            $"The public API of {assembly} differs from {Path.GetRelativePath(RepoPaths.Root, path)}:\n" +
            string.Join('\n', removed.Concat(added).Take(60)) +
            $"\nIf the change is intended, regenerate with {UpdateVariable}=1 dotnet test tests/MatrixGrokker.Tests -c Release " +
            "--filter \"FullyQualifiedName~PublicApi\" and commit the listing; removed or changed lines break users.");
    }

    [Fact]
    public void The_listing_sees_visibility_nullability_and_defaults()
    {
        // Guards the lister itself: a listing blind to these would let breaking changes through.
        var listing = PublicApiListing.Render(typeof(Trainer).Assembly);
        Assert.Contains("public sealed class MatrixGrokker.Training.Trainer : System.IDisposable", listing, StringComparison.Ordinal);
        Assert.Contains(
            "public MatrixGrokker.Training.TrainingResult Train(System.Threading.CancellationToken cancellationToken = default, " +
            "System.IProgress<MatrixGrokker.Training.TrainingProgress>? progress = null)", listing, StringComparison.Ordinal);
        Assert.Contains("public string? StopReason { get; }", listing, StringComparison.Ordinal);
        Assert.Contains("public double LearningRate { get; set; }", listing, StringComparison.Ordinal);
        Assert.Contains("trigger = MatrixGrokker.Analysis.AnalysisTrigger.Manual)", listing, StringComparison.Ordinal);
        Assert.Contains("public static Microsoft.Extensions.DependencyInjection.IServiceCollection AddMatrixGrokker(" +
            "this Microsoft.Extensions.DependencyInjection.IServiceCollection services", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("TrainerLog", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("HistoryList", listing, StringComparison.Ordinal);
    }
}

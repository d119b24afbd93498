using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MatrixGrokker.Tests.Packaging;

/// Packs both packages once into a temporary feed with a unique pre-release version (so the global NuGet cache can
/// never serve an older build), then builds the consumer apps outside the repository against that feed. The
/// builds start in the background; tests await the one they need. Everything is removed on dispose.
public sealed partial class PackedConsumerFixture : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(6);
    private readonly Lazy<Task<CliResult>> _withBackend;
    private readonly Lazy<Task<CliResult>> _noBackend;

    public PackedConsumerFixture()
    {
        var watch = Stopwatch.StartNew();
        Root = Directory.CreateTempSubdirectory("mg-consumer-").FullName;
        if (Root.StartsWith(RepoPaths.Root, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The temporary folder {Root} is inside the repository; set TMPDIR elsewhere.");
        }

        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        VersionSuffix = "ci." + Guid.NewGuid().ToString("N")[..12];
        Version = ReadVersionPrefix() + "-" + VersionSuffix;

        // Core first: Metrics then finds Core up to date in the same artifacts folder.
        foreach (var project in new[] { "MatrixGrokker.Core", "MatrixGrokker.Metrics" })
        {
            DotnetCli.Run(RepoPaths.Root, PackTimeout,
                "pack", Path.Combine("src", project, project + ".csproj"), "-c", "Release", "-o", Feed,
                "--artifacts-path", Path.Combine(Root, "artifacts"), "-nodeReuse:false",
                $"-p:VersionSuffix={VersionSuffix}", "-p:ContinuousIntegrationBuild=true").EnsureSuccess($"dotnet pack {project}");
        }

        PackDuration = watch.Elapsed;
        WriteConsumerWorkspace();
        _withBackend = new(() => Task.Run(() => Build("WithBackend")));
        _noBackend = new(() => Task.Run(() => Build("NoBackend")));
        _ = _withBackend.Value;
        _ = _noBackend.Value;
    }

    public string Root { get; }

    public string Feed { get; }

    public string VersionSuffix { get; }

    public string Version { get; }

    public TimeSpan PackDuration { get; }

    public Task<CliResult> WithBackend => _withBackend.Value;

    public Task<CliResult> NoBackend => _noBackend.Value;

    public string AppDll(string app) => Path.Combine(Root, app, "bin", "Release", "net10.0", app + ".dll");

    // Hard links instead of copying ~0.5 GB of libtorch per app; this also exercises the native patch's promise
    // never to write through a link into the NuGet cache.
    private CliResult Build(string app) =>
        DotnetCli.Run(Path.Combine(Root, app), BuildTimeout, "build", "-c", "Release", "-nodeReuse:false",
            "-p:CreateHardLinksForCopyLocalIfPossible=true");

    private static string ReadVersionPrefix()
    {
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        return props.Descendants("VersionPrefix").Single().Value.Trim();
    }

    public static string GlobalPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static string PackageVersion(string id)
    {
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props"));
        var version = props.Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == id).Attribute("Version")!.Value;
        // A range such as "[0.107.0, 0.108.0)" restores its lower bound (NuGet picks the lowest applicable version).
        return version.StartsWith('[') ? version[1..version.IndexOf(',', StringComparison.Ordinal)].Trim() : version;
    }

    private void WriteConsumerWorkspace()
    {
        // Stop MSBuild's upward search for Directory.* files, and NuGet's for configuration, at the workspace.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);

        var sources = Path.Combine(RepoPaths.Root, "tests", "MatrixGrokker.Tests", "Packaging", "Consumer");
        foreach (var app in new[] { "WithBackend", "NoBackend" })
        {
            var target = Directory.CreateDirectory(Path.Combine(Root, app)).FullName;
            File.Copy(Path.Combine(sources, app, "Program.cs"), Path.Combine(target, "Program.cs"));
            var project = File.ReadAllText(Path.Combine(sources, app, app + ".csproj.in"))
                .Replace("$MATRIXGROKKER_VERSION$", Version, StringComparison.Ordinal)
                .Replace("$TORCHSHARP_VERSION$", PackageVersion("TorchSharp-cpu"), StringComparison.Ordinal)
                .Replace("$EXTENSIONS_VERSION$", PackageVersion("Microsoft.Extensions.DependencyInjection"), StringComparison.Ordinal);
            Assert.DoesNotMatch(Placeholder(), project);
            File.WriteAllText(Path.Combine(target, app + ".csproj"), project);
        }
    }

    [GeneratedRegex(@"\$[A-Z_]+\$")]
    private static partial Regex Placeholder();

    public void Dispose()
    {
        // Builds may still run if a test failed early; wait so the folders are free to delete.
        try
        {
            Task.WaitAll([_withBackend.Value, _noBackend.Value], TimeSpan.FromMinutes(2));
        }
        catch (AggregateException)
        {
        }

        TryDelete(Root);
        var packages = GlobalPackagesFolder;
        foreach (var id in new[] { "matrixgrokker", "matrixgrokker.metrics" })
        {
            TryDelete(Path.Combine(packages, id, Version.ToLower(CultureInfo.InvariantCulture)));
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

using System.Globalization;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace MatrixGrokker.Tests.Packaging;

/// Proves the packages work for a stranger: packed to a temporary feed, consumed by fresh console apps outside the
/// repository. Slow (pack + restore + build); exclude with --filter "Category!=Consumer" while iterating.
[Trait("Category", "Consumer")]
public sealed partial class ConsumerTests(PackedConsumerFixture packed, ITestOutputHelper output) : IClassFixture<PackedConsumerFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("MatrixGrokker", "MatrixGrokker")]
    [InlineData("MatrixGrokker.Metrics", "MatrixGrokker.Metrics")]
    public void Each_package_carries_metadata_docs_and_symbols(string id, string assembly)
    {
        var nupkg = Path.Combine(packed.Feed, $"{id}.{packed.Version}.nupkg");
        var snupkg = Path.ChangeExtension(nupkg, ".snupkg");
        output.WriteLine($"{Path.GetFileName(nupkg)}: {new FileInfo(nupkg).Length} bytes; .snupkg: {new FileInfo(snupkg).Length} bytes; pack took {packed.PackDuration}");

        using var package = ZipFile.OpenRead(nupkg);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains($"lib/net10.0/{assembly}.dll", entries);
        Assert.Contains($"lib/net10.0/{assembly}.xml", entries);
        Assert.Contains("README.md", entries);

        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        XDocument nuspec;
        using (var stream = package.GetEntry($"{id}.nuspec")!.Open())
        {
            nuspec = XDocument.Load(stream);
        }

        var meta = nuspec.Root!.Element(ns + "metadata")!;
        string Field(string name) => meta.Element(ns + name)?.Value ?? "";
        Assert.Equal(id, Field("id"));
        Assert.Equal(packed.Version, Field("version"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("README.md", Field("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field("authors")));
        Assert.True(Field("description").Length > 40, "description too short");
        Assert.Contains("grokking", Field("tags"), StringComparison.Ordinal);
        Assert.StartsWith("https://", meta.Element(ns + "repository")?.Attribute("url")?.Value, StringComparison.Ordinal);
        var dependencies = meta.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.Contains("TorchSharp", dependencies.Keys);
        Assert.DoesNotContain("TorchSharp-cpu", dependencies.Keys);
        // Pinned to the release whose native library the build patch and the load diagnosis know.
        Assert.Equal("[0.107.0, 0.108.0)", dependencies["TorchSharp"]);
        if (id == "MatrixGrokker.Metrics")
        {
            Assert.Equal(packed.Version, dependencies["MatrixGrokker"]);
        }
        else
        {
            Assert.Contains("buildTransitive/MatrixGrokker.targets", entries);
            Assert.Contains("build/MatrixGrokker.targets", entries);
        }

        // XML docs cover the public surface: every exported type has a T: entry.
        using (var xml = package.GetEntry($"lib/net10.0/{assembly}.xml")!.Open())
        {
            var documented = XDocument.Load(xml).Descendants("member").Select(m => m.Attribute("name")!.Value).ToHashSet(StringComparer.Ordinal);
            var types = PublicApiListing.PublicTypes(PublicApiTests.Load(assembly));
            Assert.All(types, t => Assert.Contains("T:" + t.FullName!.Replace('+', '.'), documented));
        }

        // Symbols: a portable PDB matching the packed DLL, with CI (deterministic, path-mapped) source paths.
        using var symbols = ZipFile.OpenRead(snupkg);
        using var pdbStream = new MemoryStream();
        using (var s = symbols.GetEntry($"lib/net10.0/{assembly}.pdb")!.Open())
        {
            s.CopyTo(pdbStream);
        }

        pdbStream.Position = 0;
        using var pdb = MetadataReaderProvider.FromPortablePdbStream(pdbStream);
        var reader = pdb.GetMetadataReader();
        var documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.NotEmpty(documents);
        Assert.All(documents.Where(d => d.EndsWith(".cs", StringComparison.Ordinal) && !d.Contains("/obj/", StringComparison.Ordinal)),
            d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));

        using var dllStream = new MemoryStream();
        using (var s = package.GetEntry($"lib/net10.0/{assembly}.dll")!.Open())
        {
            s.CopyTo(dllStream);
        }

        dllStream.Position = 0;
        using var pe = new PEReader(dllStream);
        var codeView = pe.ReadDebugDirectory().Single(e => e.Type == DebugDirectoryEntryType.CodeView);
        Assert.Equal(new BlobContentId(reader.DebugMetadataHeader!.Id).Guid, pe.ReadCodeViewDebugDirectoryData(codeView).Guid);
        Assert.Contains(pe.ReadDebugDirectory(), e => e.Type == DebugDirectoryEntryType.Reproducible);
    }

    [Fact]
    public async Task A_fresh_console_app_trains_through_the_packages()
    {
        var build = await packed.WithBackend;
        output.WriteLine($"build took {build.Duration}");
        build.EnsureSuccess("dotnet build of the consumer app");

        // The package's buildTransitive targets were imported, and on a host whose libstdc++ lacks the version they
        // patched the copy of the native library (without that, the run below could not load TorchSharp here).
        var imports = File.ReadAllText(Path.Combine(packed.Root, "WithBackend", "obj", "WithBackend.csproj.nuget.g.targets"));
        Assert.Contains($"matrixgrokker/{packed.Version}/buildTransitive/MatrixGrokker.targets", imports.Replace('\\', '/'), StringComparison.OrdinalIgnoreCase);
        if (HostLibStdCxxLacksGlibcxx3432())
        {
            Assert.Contains("MatrixGrokker: marked the GLIBCXX_3.4.32 need", build.Output, StringComparison.Ordinal);

            // The output copy differs from the cached original in exactly one byte (the weak flag): the cache,
            // hard-linked into the output by this build, was not written through.
            var patched = File.ReadAllBytes(Path.Combine(packed.Root, "WithBackend", "bin", "Release", "net10.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
            var cached = File.ReadAllBytes(Path.Combine(PackedConsumerFixture.GlobalPackagesFolder, "torchsharp", PackedConsumerFixture.PackageVersion("TorchSharp"), "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
            Assert.Equal(cached.Length, patched.Length);
            Assert.Equal(1, Enumerable.Range(0, cached.Length).Count(i => cached[i] != patched[i]));
        }

        const int ownEpochs = 4;
        const int stopAt = 3;
        var run = DotnetCli.Run(packed.Root, RunTimeout, packed.AppDll("WithBackend"),
            ownEpochs.ToString(CultureInfo.InvariantCulture), stopAt.ToString(CultureInfo.InvariantCulture));
        output.WriteLine($"run took {run.Duration}\n{run.Output}");
        run.EnsureSuccess("the consumer app");

        // (1) Own loop: one analyzer line per epoch; LC saw both hidden layers of a plain Sequential through hooks,
        // SP all three weight matrices; the analyzers left the module in training mode; the loop itself learned.
        var own = OwnLine().Matches(run.Output).Select(m => (
            Epoch: int.Parse(m.Groups["epoch"].Value, CultureInfo.InvariantCulture),
            Loss: double.Parse(m.Groups["loss"].Value, CultureInfo.InvariantCulture),
            Lc: double.Parse(m.Groups["lc"].Value, CultureInfo.InvariantCulture),
            Sp: double.Parse(m.Groups["sp"].Value, CultureInfo.InvariantCulture),
            Rank: double.Parse(m.Groups["erank"].Value, CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(Enumerable.Range(1, ownEpochs), own.Select(o => o.Epoch));
        Assert.All(own, o => Assert.InRange(o.Lc, 0.0, 1.0));
        Assert.All(own, o => Assert.InRange(o.Sp, 0.0, 1.0));
        Assert.All(own, o => Assert.InRange(o.Rank, 1.0, 64.0));
        Assert.True(own[^1].Loss < own[0].Loss, $"the consumer's own loop did not learn: {own[0].Loss} → {own[^1].Loss}");
        Assert.True(own.Select(o => o.Sp).Distinct().Count() > 1, "SP did not change while the weights were trained");

        // (2) + (3) The library's trainer through DI: 400 samples, 20 % validation → 320 training rows; batch 64 →
        // 5 steps per epoch; analyzers at every epoch end and once at the end; the callback stopped it at epoch 3.
        Assert.Contains($"TRAINER reason=Requested epochs={stopAt} steps={stopAt * 5} train=320", run.Output, StringComparison.Ordinal);
        Assert.Contains("EVENTS begin,m1:EpochEnd,e1:5,m2:EpochEnd,e2:5,m3:EpochEnd,e3:5,stop,m3:Final,end:3", run.Output, StringComparison.Ordinal);
        Assert.Contains("ANALYSIS lc,lc_region,sp", run.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"OWN epoch=(?<epoch>\d+) loss=(?<loss>\S+) lc=(?<lc>\S+) lcLayers=2 sp=(?<sp>\S+) spMatrices=3 erank=(?<erank>\S+) training=True")]
    private static partial Regex OwnLine();

    [Fact]
    public async Task An_app_without_a_backend_package_is_told_which_package_to_add()
    {
        var build = await packed.NoBackend;
        output.WriteLine($"build took {build.Duration}");
        build.EnsureSuccess("dotnet build of the backend-less app");

        // TorchSharp falls back to copying libtorch out of the NuGet cache when the app lacks it. On a stranger's
        // server there is no such cache; an empty one gives this machine (which has libtorch cached) the same view.
        var emptyCache = Directory.CreateDirectory(Path.Combine(packed.Root, "empty-nuget-cache")).FullName;
        var run = DotnetCli.Run(packed.Root, RunTimeout, new Dictionary<string, string> { ["NUGET_PACKAGES"] = emptyCache }, packed.AppDll("NoBackend"));
        output.WriteLine(run.Output);
        run.EnsureSuccess("the backend-less app");
        Assert.Contains("FAILURE=BackendPackageMissing", run.Output, StringComparison.Ordinal);
        Assert.Contains("dotnet add package TorchSharp-cpu", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("LOADED", run.Output, StringComparison.Ordinal);
    }

    private static bool HostLibStdCxxLacksGlibcxx3432()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return false;
        }

        var lib = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
        return lib is not null && File.ReadAllBytes(lib).AsSpan().IndexOf("GLIBCXX_3.4.32"u8) < 0;
    }
}

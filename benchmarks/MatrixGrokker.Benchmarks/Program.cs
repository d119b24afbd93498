using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace MatrixGrokker.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project benchmarks/MatrixGrokker.Benchmarks -- --filter '*'</c>;
/// add <c>--short</c> for a quick run (BenchmarkDotNet's short job: 3 warm-ups, 3 measured iterations).
/// <c>--ratios [rounds] [--threads 1,2]</c> instead runs the training-step variants interleaved (see <see cref="InterleavedRatios"/>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var ratios = Array.IndexOf(args, "--ratios");
        if (ratios >= 0)
        {
            var rounds = ratios + 1 < args.Length && int.TryParse(args[ratios + 1], out var r) ? r : 5;
            var threads = Array.IndexOf(args, "--threads") is var t and >= 0 && t + 1 < args.Length
                ? args[t + 1].Split(',').Select(int.Parse).ToArray()
                : [1, 2];
            InterleavedRatios.Run(rounds, threads);
            return;
        }

        var shortRun = args.Contains("--short");
        var rest = args.Where(a => a != "--short").ToArray();

        // In-process: TorchSharp's native library is already loaded and patched in this process, and no second
        // build of a generated project is needed.
        var job = (shortRun ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .AddColumn(new StepsPerSecondColumn())
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
    }
}

using System.Diagnostics;
using System.Globalization;
using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using MatrixGrokker.Checkpoints;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Training;

// Usage:
//   MatrixGrokker.MemorySoak soak [steps=50000] [no-analyzers] [no-checkpoints]   resident memory of the default model trained with analyzers and checkpoints
//   MatrixGrokker.MemorySoak overhead [steps=3000] it/s with and without the per-step divergence check (alternating rounds)
var mode = args.Length > 0 ? args[0] : "soak";

// SOAK_THREADS=1 pins torch to one intra-op thread: on a crowded machine spinning OpenMP threads slow every step down.
MatrixGrokker.Runtime.TorchRuntime.EnsureAvailable();
if (Environment.GetEnvironmentVariable("SOAK_THREADS") is { } threads)
{
    TorchSharp.torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
}

var steps = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : mode == "soak" ? 50_000 : 3_000;
return mode switch
{
    "soak" => Soak.Run(steps, analyzers: !args.Contains("no-analyzers"), checkpoints: !args.Contains("no-checkpoints")),
    "overhead" => Overhead.Run(steps),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MatrixGrokker.MemorySoak soak|overhead [steps]");
    return 2;
}

internal static class Soak
{
    public static int Run(long totalSteps, bool analyzers, bool checkpoints)
    {
        var options = new MatrixGrokkerOptions();                 // the default model and data (63 steps per epoch)
        options.Training.Epochs = 100_000_000;
        options.Training.AccuracyTolerance = 1e-6;                // never "converged": the run lasts exactly totalSteps
        options.Metrics.IntervalSteps = 200;                      // the default interval, plus (not default) every epoch end
        options.Metrics.RunAtEpochEnd = true;
        // Every 10 epochs (630 steps): the first save, which loads the JSON/SHA-256 code once (~13 MiB, measured), falls
        // before the step-1000 baseline, so growth after it is what repeated saves cost.
        options.Checkpoint.EveryEpochs = 10;
        options.Checkpoint.Interval = TimeSpan.Zero;
        var folder = Path.Combine(Path.GetTempPath(), "mg-soak-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var data = new MatrixMultiplicationDataset(options.Data, options.Model.MatrixSize, options.Training.Seed);
            using var model = new MlpModel(options.Model, options.Training.Seed);
            var probe = new Probe(totalSteps);
            using var trainer = new Trainer(model, data, options, analyzers: analyzers ? MetricsAnalyzers.Create() : [],
                callbacks: [probe], checkpoints: checkpoints ? new CheckpointManager(folder) : null);
            var wall = Stopwatch.StartNew();
            var result = trainer.Train();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Reason}: {result.GlobalSteps} steps, {result.EpochsRun} epochs in {wall.Elapsed}, {probe.AnalyzerRuns} analyzer runs, {probe.Saves.Count} checkpoints"));
            foreach (var (step, rss, trimmed, managed) in probe.Samples)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {step,6}: RSS {rss / 1048576.0,8:F1} MiB, after malloc_trim {trimmed / 1048576.0,8:F1} MiB, managed heap {managed / 1048576.0,6:F1} MiB"));
            }

            var first = probe.Samples.First(s => s.Step == 1000);
            var last = probe.Samples[^1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RSS growth from step 1000 to step {last.Step}: {(last.Rss - first.Rss) / 1048576.0:F1} MiB = {100.0 * (last.Rss - first.Rss) / first.Rss:F2}%; " +
                $"after malloc_trim: {(last.Trimmed - first.Trimmed) / 1048576.0:F1} MiB = {100.0 * (last.Trimmed - first.Trimmed) / first.Trimmed:F2}%"));
            if (probe.Saves.Count > 0)
            {
                var times = probe.Saves.Select(s => s.Duration.TotalMilliseconds).Order().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"checkpoint: {probe.Saves[^1].Bytes} bytes; save time median {times[times.Length / 2]:F1} ms, min {times[0]:F1} ms, max {times[^1]:F1} ms (n={times.Length})"));
            }

            // The gate is the issue's measure, raw RSS; the after-malloc_trim line above is the memory actually in use.
            return (last.Rss - first.Rss) / (double)first.Rss < 0.05 ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private sealed class Probe(long totalSteps) : ITrainerCallback
    {
        public List<(long Step, long Rss, long Trimmed, long Managed)> Samples { get; } = [];
        public List<CheckpointSavedInfo> Saves { get; } = [];
        public int AnalyzerRuns { get; private set; }

        public void OnStepEnd(TrainingContext context, StepInfo step)
        {
            var s = context.GlobalStep;
            if (s == 1000 || s % 10_000 == 0 || s == totalSteps)
            {
                // Settle the managed side first (finalizers free undisposed tensors; an aggressive GC returns free
                // managed segments), so RSS is the native footprint plus the live managed heap.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                var rss = ResidentBytes();
                // Then let glibc hand its free pages back: what remains is memory something still holds.
                _ = Native.malloc_trim(0);
                Samples.Add((s, rss, ResidentBytes(), GC.GetTotalMemory(false)));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{DateTime.UtcNow:HH:mm:ss}] step {s}: RSS {rss / 1048576.0:F1} MiB, after malloc_trim {Samples[^1].Trimmed / 1048576.0:F1} MiB"));
            }

            if (s >= totalSteps)
            {
                context.RequestStop($"{totalSteps} steps");
            }
        }

        public void OnMetricsComputed(TrainingContext context, AnalysisReport report) => AnalyzerRuns++;

        public void OnCheckpointSaved(TrainingContext context, CheckpointSavedInfo checkpoint) => Saves.Add(checkpoint);

        private static long ResidentBytes()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
                }
            }

            return Environment.WorkingSet;
        }
    }
}

internal static partial class Native
{
    [System.Runtime.InteropServices.LibraryImport("libc")]
    internal static partial int malloc_trim(nuint pad);
}

internal static class Overhead
{
    // Alternates rounds with the check on and off on the same model so both see the same machine load.
    public static int Run(long stepsPerRound)
    {
        var on = new List<double>();
        var off = new List<double>();
        for (var round = 0; round < 10; round++)
        {
            var detect = round % 2 == 0;
            var options = new MatrixGrokkerOptions();
            options.Training.Epochs = 100_000;
            options.Training.AccuracyTolerance = 1e-6;
            options.Checkpoint.DetectDivergence = detect;
            using var data = new MatrixMultiplicationDataset(options.Data, options.Model.MatrixSize, options.Training.Seed);
            using var model = new MlpModel(options.Model, options.Training.Seed);
            using var trainer = new Trainer(model, data, options, callbacks: [new StopAfter(stepsPerRound)]);
            var result = trainer.Train();
            (detect ? on : off).Add(result.AverageIterationsPerSecond);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: check {(detect ? "on " : "off")} {result.AverageIterationsPerSecond:F0} it/s"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median it/s: check on {Median(on):F0}, off {Median(off):F0}; overhead {100 * (1 - Median(on) / Median(off)):F1}%"));
        return 0;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private sealed class StopAfter(long steps) : ITrainerCallback
    {
        public void OnStepEnd(TrainingContext context, StepInfo step)
        {
            if (context.GlobalStep >= steps)
            {
                context.RequestStop("done");
            }
        }
    }
}

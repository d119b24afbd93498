using System.Diagnostics;
using System.Globalization;
using TorchSharp;

namespace MatrixGrokker.Benchmarks;

/// <summary>
/// <c>--ratios [rounds]</c>: runs the three training-step variants of <see cref="TrainingStepBenchmarks"/>
/// alternately, round after round, and reports per-round ratios. On a shared machine the load changes within
/// minutes, so BenchmarkDotNet's one-method-after-another ratios drift; alternating measures a, b and c under the
/// same load. Reports wall time and process CPU time per step (CPU time is what one torch thread actually used).
/// </summary>
internal static class InterleavedRatios
{
    private sealed record Sample(double WallMs, double CpuMs);

    public static void Run(int rounds, int[] threadCounts)
    {
        const int steps = TrainingStepBenchmarks.StepsPerInvocation;
        const int analyses = 10;
        var bench = new TrainingStepBenchmarks();
        var overhead = new AnalyzerOverheadBenchmarks();
        var variants = new (string Name, Action Setup, Action Run, Action Cleanup, int Ops)[]
        {
            ("a trainer", bench.SetupTrainer, () => Expect(bench.Trainer_step(), steps, "a"), bench.Cleanup, steps),
            ("a0 trainer, autograd step", bench.SetupTrainerAutograd, () => Expect(bench.Trainer_step_autograd(), steps, "a0"), bench.Cleanup, steps),
            ("b hand-written", bench.SetupHand, () => Expect(bench.Hand_written_step(), steps, "b"), bench.Cleanup, steps),
            ("c GEMM floor", bench.SetupFloor, () => bench.Gemm_floor_step(), bench.Cleanup, steps),
            ("d LC+SP, probe 100", overhead.SetupAnalysis, () => { for (var i = 0; i < analyses; i++) { overhead.Lc_plus_sp_once(); } }, overhead.Cleanup, analyses),
            ("e trainer, 1008 steps", overhead.SetupWithout, () => Expect(overhead.Train_without_analyzers(), AnalyzerOverheadBenchmarks.Steps, "e"), overhead.Cleanup, AnalyzerOverheadBenchmarks.Steps),
            ("f trainer + LC+SP every 200", overhead.SetupWith, () => Expect(overhead.Train_with_lc_sp_every_200_steps(), AnalyzerOverheadBenchmarks.Steps, "f"), overhead.Cleanup, AnalyzerOverheadBenchmarks.Steps),
            ("g LC alone", overhead.SetupAnalysis, () => { for (var i = 0; i < analyses; i++) { overhead.Lc_once(); } }, overhead.Cleanup, analyses),
            ("h SP torch", overhead.SetupAnalysis, () => { for (var i = 0; i < analyses; i++) { overhead.Sp_torch_once(); } }, overhead.Cleanup, analyses),
            ("i SP mathnet", overhead.SetupAnalysis, () => { for (var i = 0; i < 2; i++) { overhead.Sp_mathnet_once(); } }, overhead.Cleanup, 2),
        };

        Console.WriteLine($"# Interleaved training-step ratios, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} logical cores, load {LoadAverage()}");
        foreach (var threads in threadCounts)
        {
            bench.Threads = threads;
            bench.GlobalSetup();
            overhead.GlobalSetup();
            torch.set_num_threads(threads);
            var samples = variants.ToDictionary(v => v.Name, _ => new List<Sample>());
            for (var round = 0; round <= rounds; round++)
            {
                // Rotate the order so no variant always runs first after a setup or GC.
                for (var k = 0; k < variants.Length; k++)
                {
                    var (name, setup, run, cleanup, ops) = variants[(round + k) % variants.Length];
                    setup();
                    GC.Collect();
                    var sample = Measure(run, ops);
                    cleanup();
                    if (round > 0)
                    {
                        samples[name].Add(sample); // round 0 is warm-up
                    }
                }
            }

            bench.GlobalCleanup();
            overhead.GlobalCleanup();
            Report(threads, samples);
        }

        Console.WriteLine($"load after: {LoadAverage()}");
    }

    // A run that stopped early (converged, diverged) would divide its time by steps it never took and look fast.
    private static void Expect(long steps, long expected, string variant)
    {
        if (steps != expected)
        {
            throw new InvalidOperationException($"Variant {variant} ran {steps} steps, not {expected}; its time per step would be wrong.");
        }
    }

    private static Sample Measure(Action action, int ops)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        action();
        var wall = Stopwatch.GetElapsedTime(start);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        return new Sample(wall.TotalMilliseconds / ops, cpu.TotalMilliseconds / ops);
    }

    private static void Report(int threads, Dictionary<string, List<Sample>> samples)
    {
        var a = samples["a trainer"];
        var a0 = samples["a0 trainer, autograd step"];
        var b = samples["b hand-written"];
        var c = samples["c GEMM floor"];
        var d = samples["d LC+SP, probe 100"];
        var e = samples["e trainer, 1008 steps"];
        var f = samples["f trainer + LC+SP every 200"];
        var g = samples["g LC alone"];
        var h = samples["h SP torch"];
        var mathNet = samples["i SP mathnet"];
        Console.WriteLine();
        Console.WriteLine($"## torch threads = {threads} ({a.Count} rounds; medians; ms per step, per analysis for d)");
        Console.WriteLine();
        Console.WriteLine("| Variant | wall ms/step | steps/s (wall) | CPU ms/step |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, list) in samples)
        {
            var wall = Median(list.Select(s => s.WallMs));
            Console.WriteLine(Invariant($"| {name} | {wall:F3} | {1000 / wall:F0} | {Median(list.Select(s => s.CpuMs)):F3} |"));
        }

        // Ratios within each round, then the median over rounds.
        double RoundRatio(List<Sample> num, List<Sample> den, Func<Sample, double> pick) =>
            Median(num.Zip(den, (n, d) => pick(n) / pick(d)));
        Console.WriteLine();
        using (var model = StepWorkload.Model(StepWorkload.Options(1)))
        {
            var flops = StepWorkload.StepFlops(StepWorkload.Layers(model), StepWorkload.BatchSize);
            Console.WriteLine(Invariant($"GEMM floor: {flops / 1e6:F1} MFLOP per step at {flops / (Median(c.Select(s => s.WallMs)) * 1e6):F1} GFLOP/s (wall), {flops / (Median(c.Select(s => s.CpuMs)) * 1e6):F1} GFLOP/s (CPU)"));
        }

        Console.WriteLine(Invariant($"a/b speed-up over the hand-written loop: wall {RoundRatio(b, a, s => s.WallMs):F2}×, CPU {RoundRatio(b, a, s => s.CpuMs):F2}×"));
        Console.WriteLine(Invariant($"a/c share of the GEMM floor:            wall {RoundRatio(c, a, s => s.WallMs):P0}, CPU {RoundRatio(c, a, s => s.CpuMs):P0}"));
        Console.WriteLine(Invariant($"a/a0 fused step over the autograd step:  wall {RoundRatio(a0, a, s => s.WallMs):F2}×, CPU {RoundRatio(a0, a, s => s.CpuMs):F2}×"));
        Console.WriteLine(Invariant($"b/c share of the GEMM floor (hand loop): wall {RoundRatio(c, b, s => s.WallMs):P0}, CPU {RoundRatio(c, b, s => s.CpuMs):P0}"));
        var inSteps = RoundRatio(d, a, s => s.WallMs);
        Console.WriteLine(Invariant($"LC+SP (probe 100) = {inSteps:F2} trainer steps (wall; CPU {RoundRatio(d, a, s => s.CpuMs):F2}); overhead at the default 200-step interval = {inSteps / 200:P2}"));
        Console.WriteLine(Invariant($"in trainer steps (wall; CPU): LC {RoundRatio(g, a, s => s.WallMs):F2} ({RoundRatio(g, a, s => s.CpuMs):F2}), SP torch {RoundRatio(h, a, s => s.WallMs):F2} ({RoundRatio(h, a, s => s.CpuMs):F2}), SP mathnet {RoundRatio(mathNet, a, s => s.WallMs):F2} ({RoundRatio(mathNet, a, s => s.CpuMs):F2}); LC + SP torch measured apart {RoundRatio(g, a, s => s.WallMs) + RoundRatio(h, a, s => s.WallMs):F2}"));
        // f analyses 6 times in 1008 steps (5 intervals + the final run); the steady state is 1008/200 = 5.04.
        var direct = RoundRatio(f, e, s => s.WallMs) - 1;
        var directCpu = RoundRatio(f, e, s => s.CpuMs) - 1;
        Console.WriteLine(Invariant($"measured overhead f/e - 1: wall {direct:P2}, CPU {directCpu:P2}; scaled to the steady state (×5.04/6): wall {direct * 5.04 / 6:P2}, CPU {directCpu * 5.04 / 6:P2}"));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using MatrixGrokker.Strassen;
using TorchSharp;
using static TorchSharp.torch;

namespace StrassenDiscoverySample;

/// <summary>
/// Times the exact-residual optimisation step two ways in one process: TorchSharp float64 tensors with autograd and
/// torch's Adam (one einsum for P, a handful of ops per step), and the library's managed-double implementation.
/// </summary>
internal static class Bench
{
    public static void Run(int steps)
    {
        var tensorTensor = new double[4, 4, 4];
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                for (var k = 0; k < 4; k++)
                {
                    tensorTensor[i, j, k] = (i % 2 == j / 2 && i / 2 == k / 2 && j % 2 == k % 2) ? 1 : 0;
                }
            }
        }

        // Warm up both paths once, then time them.
        TorchSteps(tensorTensor, 200);
        ManagedSteps(200);
        var torchTime = TorchSteps(tensorTensor, steps);
        var managedTime = ManagedSteps(steps);
        Console.WriteLine($"{steps} exact-residual Adam steps (8 slots, float64): TorchSharp {torchTime.TotalMilliseconds:F0} ms " +
            $"({torchTime.TotalMicroseconds / steps:F1} µs/step), managed {managedTime.TotalMilliseconds:F0} ms " +
            $"({managedTime.TotalMicroseconds / steps:F2} µs/step); ratio {torchTime / managedTime:F0}×");
    }

    private static TimeSpan TorchSteps(double[,,] target, int steps)
    {
        using var outer = NewDisposeScope();
        using var generator = new Generator(1);
        var u = new TorchSharp.Modules.Parameter(randn([8, 4], ScalarType.Float64, generator: generator).mul_(0.5));
        var v = new TorchSharp.Modules.Parameter(randn([8, 4], ScalarType.Float64, generator: generator).mul_(0.5));
        var w = new TorchSharp.Modules.Parameter(randn([4, 8], ScalarType.Float64, generator: generator).mul_(0.5));
        var t = tensor(target, ScalarType.Float64);
        using var optimizer = optim.Adam([u, v, w], lr: 0.01);
        var clock = Stopwatch.StartNew();
        for (var s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            var p = einsum("ri,rj,kr->ijk", u, v, w);
            var loss = (p - t).square().sum();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        return clock.Elapsed;
    }

    private static TimeSpan ManagedSteps(int steps)
    {
        var options = new StrassenDiscoveryOptions
        {
            Objective = DiscoveryObjective.TensorResidual, Steps = steps, MaxAttempts = 1, TraceEvery = steps,
        };
        var clock = Stopwatch.StartNew();
        new StrassenDiscovery(options).Run(1);
        return clock.Elapsed;
    }
}

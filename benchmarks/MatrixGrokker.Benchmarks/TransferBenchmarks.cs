using BenchmarkDotNet.Attributes;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Transfer;
using static TorchSharp.torch;

namespace MatrixGrokker.Benchmarks;

/// <summary>
/// Block-composition transfer throughput with the default 2×2 model (8→256→256→4): one call multiplies
/// <see cref="Pairs"/> n×n pairs, i.e. Pairs·(n/2)³ block products in one batched forward pass.
/// Products per second = Pairs / mean time. Weights need not be trained for a throughput figure.
/// </summary>
[MemoryDiagnoser]
public class BlockCompositionBenchmarks
{
    private MlpModel? _model;
    private BlockCompositionStrategy? _strategy;
    private Tensor? _a;
    private Tensor? _b;

    [Params(4, 8, 64)]
    public int Size { get; set; }

    /// <summary>Matrix pairs per call: 1000 at 4×4 and 8×8, 8 at 64×64 (32 768 block products each).</summary>
    public int Pairs => Size >= 64 ? 8 : 1000;

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(1);
        _model = new MlpModel(2, 256, 3, ActivationKind.Relu, seed: 42);
        _strategy = new BlockCompositionStrategy(_model);
        using var scope = NewDisposeScope();
        var (a, b) = MatrixMultiplicationDataset.SamplePairs(Size, Pairs, -1, 1, seed: 5);
        _a = a.DetachFromDisposeScope();
        _b = b.DetachFromDisposeScope();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a?.Dispose();
        _b?.Dispose();
        _model?.Dispose();
    }

    /// <summary>Multiplies all pairs once.</summary>
    [Benchmark]
    public long Multiply()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _strategy!.Multiply(_a!, _b!).shape[0];
    }
}

using BenchmarkDotNet.Attributes;
using MatrixGrokker.Analysis;
using MatrixGrokker.Data;
using MatrixGrokker.Metrics;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using static TorchSharp.torch;

namespace MatrixGrokker.Benchmarks;

/// <summary>
/// Activation metrics on a 3-layer model 8→h→h→4 (2×2 products) for hidden widths 64, 256, 1024 and probe sizes
/// 32, 100, 512, run through <see cref="AnalyzerRunner"/> exactly as the trainer runs them. MemoryDiagnoser shows
/// managed allocations only; torch's native buffers are not counted.
/// </summary>
[MemoryDiagnoser]
public class ActivationMetricBenchmarks
{
    private MlpModel? _model;
    private Tensor? _probe;
    private IAnalyzer[] _lc = [];
    private IAnalyzer[] _region = [];

    [Params(64, 256, 1024)]
    public int Hidden { get; set; }

    [Params(32, 100, 512)]
    public int Probe { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchSharp.torch.set_num_threads(1);
        _model = new MlpModel(2, Hidden, 3, ActivationKind.Relu, seed: 42);
        using var scope = NewDisposeScope();
        var (a, b) = MatrixMultiplicationDataset.SamplePairs(2, Probe, -1, 1, seed: 3);
        _probe = MatrixMultiplicationDataset.Flatten(a, b).DetachFromDisposeScope();
        _lc = [new LocalComplexityAnalyzer()];
        _region = [new RegionComplexityAnalyzer()];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _probe?.Dispose();
        _model?.Dispose();
    }

    /// <summary>Cosine LC (the original project's form).</summary>
    [Benchmark(Baseline = true)]
    public double Lc_cosine() => AnalyzerRunner.Run(_lc, _model!, _probe!).Results[0].Value;

    /// <summary>Region LC (sign changes of pre-activations around each probe point).</summary>
    [Benchmark]
    public double Lc_region() => AnalyzerRunner.Run(_region, _model!, _probe!).Results[0].Value;
}

/// <summary>Superposition from singular values of every weight matrix, torch SVD against MathNet SVD.</summary>
[MemoryDiagnoser]
public class SuperpositionBenchmarks
{
    private MlpModel? _model;
    private Tensor? _probe;
    private IAnalyzer[] _torch = [];
    private IAnalyzer[] _mathNet = [];

    [Params(64, 256, 1024)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchSharp.torch.set_num_threads(1);
        _model = new MlpModel(2, Hidden, 3, ActivationKind.Relu, seed: 42);
        _probe = zeros(2, _model.InputSize); // SP reads weights only
        _torch = [new SuperpositionAnalyzer(backend: new TorchSvdBackend())];
        _mathNet = [new SuperpositionAnalyzer(backend: new MathNetSvdBackend())];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _probe?.Dispose();
        _model?.Dispose();
    }

    /// <summary>SP with torch's SVD.</summary>
    [Benchmark(Baseline = true)]
    public double Sp_torch() => AnalyzerRunner.Run(_torch, _model!, _probe!).Results[0].Value;

    /// <summary>SP with MathNet.Numerics' managed SVD.</summary>
    [Benchmark]
    public double Sp_mathnet() => AnalyzerRunner.Run(_mathNet, _model!, _probe!).Results[0].Value;
}

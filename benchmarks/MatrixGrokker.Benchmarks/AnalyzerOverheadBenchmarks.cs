using BenchmarkDotNet.Attributes;
using MatrixGrokker.Analysis;
using MatrixGrokker.Data;
using MatrixGrokker.Metrics;
using MatrixGrokker.Models;
using MatrixGrokker.Training;
using static TorchSharp.torch;

namespace MatrixGrokker.Benchmarks;

/// <summary>
/// Analyzer cost on the default model (8→256→256→4, probe 100) against training: (1) LC + SP once, to compare with
/// 5 training steps; (2) the trainer over 1008 steps (16 epochs) without analyzers and with LC + SP at the default
/// interval of 200 steps. The second run analyses 6 times (5 intervals and the final run), 0.96 more than the
/// steady state of one analysis per 200 steps, so its overhead slightly overstates the steady-state one.
/// </summary>
public class AnalyzerOverheadBenchmarks
{
    /// <summary>Training steps per trainer invocation: 16 epochs of 63 batches.</summary>
    public const int Steps = Epochs * 63;
    private const int Epochs = 16;

    private MatrixMultiplicationDataset? _data;
    private MlpModel? _model;
    private Trainer? _trainer;
    private Tensor? _probe;

    // Built once, as the trainer builds them once; construction (options validation) is not analysis cost.
    private readonly IAnalyzer[] _lcAndSp = LcAndSp();
    private readonly IAnalyzer[] _lc = [new LocalComplexityAnalyzer()];
    private readonly IAnalyzer[] _spTorch = [new SuperpositionAnalyzer(new SuperpositionOptions { Backend = SvdBackendKind.Torch })];
    private readonly IAnalyzer[] _spMathNet = [new SuperpositionAnalyzer(new SuperpositionOptions { Backend = SvdBackendKind.MathNet })];

    private static IAnalyzer[] LcAndSp() => [new LocalComplexityAnalyzer(), new SuperpositionAnalyzer()];

    [GlobalSetup]
    public void GlobalSetup()
    {
        TorchSharp.torch.set_num_threads(1);
        // 100 validation rows: the trainer takes its probe from the validation set.
        _data = StepWorkload.Data(validation: 100);
    }

    [GlobalCleanup]
    public void GlobalCleanup() => _data?.Dispose();

    [IterationSetup(Target = nameof(Train_without_analyzers))]
    public void SetupWithout() => Setup(withAnalyzers: false);

    [IterationSetup(Target = nameof(Train_with_lc_sp_every_200_steps))]
    public void SetupWith() => Setup(withAnalyzers: true);

    [IterationSetup(Target = nameof(Lc_plus_sp_once))]
    public void SetupAnalysis()
    {
        var options = StepWorkload.Options(1);
        _model = StepWorkload.Model(options);
        using var scope = NewDisposeScope();
        var (a, b) = MatrixMultiplicationDataset.SamplePairs(2, 100, -1, 1, seed: 3);
        _probe = MatrixMultiplicationDataset.Flatten(a, b).DetachFromDisposeScope();
    }

    [IterationCleanup]
    public void Cleanup()
    {
        _trainer?.Dispose();
        _model?.Dispose();
        _probe?.Dispose();
        (_trainer, _model, _probe) = (null, null, null);
    }

    /// <summary>Training steps alone (per step).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public long Train_without_analyzers() => _trainer!.Train().GlobalSteps;

    /// <summary>Training with LC + SP at the default interval (per step).</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public long Train_with_lc_sp_every_200_steps() => _trainer!.Train().GlobalSteps;

    /// <summary>One LC + SP analysis with a 100-sample probe (per analysis).</summary>
    [Benchmark]
    public int Lc_plus_sp_once() => AnalyzerRunner.Run(_lcAndSp, _model!, _probe!).Results.Count;

    /// <summary>LC (cosine form) alone, probe 100 (per analysis; used by the interleaved ratios).</summary>
    public int Lc_once() => AnalyzerRunner.Run(_lc, _model!, _probe!).Results.Count;

    /// <summary>SP with the torch backend alone (per analysis; used by the interleaved ratios).</summary>
    public int Sp_torch_once() => AnalyzerRunner.Run(_spTorch, _model!, _probe!).Results.Count;

    /// <summary>SP with the MathNet backend alone (per analysis; used by the interleaved ratios).</summary>
    public int Sp_mathnet_once() => AnalyzerRunner.Run(_spMathNet, _model!, _probe!).Results.Count;

    private void Setup(bool withAnalyzers)
    {
        var options = StepWorkload.Options(Epochs);
        options.Metrics.ProbeSize = 100;
        _model = StepWorkload.Model(options);
        _trainer = new Trainer(_model, _data!, options, analyzers: withAnalyzers ? LcAndSp() : null);
    }
}

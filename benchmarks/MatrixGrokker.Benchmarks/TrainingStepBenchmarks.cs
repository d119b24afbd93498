using BenchmarkDotNet.Attributes;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Benchmarks;

/// <summary>
/// One training step of the default model three ways, in one run: (a) the library's <see cref="Trainer"/>,
/// (b) the plain loop a user would write by hand, (c) the step's matrix products alone (the GEMM floor).
/// Each invocation runs <see cref="Epochs"/> epochs; times are per step. Ratio (vs the trainer):
/// hand-written ratio = a/b speed-up, GEMM-floor ratio = share of the floor the trainer reaches.
/// </summary>
public class TrainingStepBenchmarks
{
    /// <summary>Training steps per invocation: 4 epochs of 63 batches.</summary>
    public const int StepsPerInvocation = 252;
    private const int Epochs = 4;
    private const int Steps = StepsPerInvocation;

    private MatrixMultiplicationDataset? _data;
    private MlpModel? _model;
    private Trainer? _trainer;
    private optim.Optimizer? _adamw;
    private GemmFloor? _floor;

    /// <summary>torch intra-op threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        torch.set_num_threads(Threads);
        _data = StepWorkload.Data();
        if (StepWorkload.StepsPerEpoch * Epochs != Steps)
        {
            throw new InvalidOperationException("Steps constant out of date.");
        }
    }

    [IterationSetup(Target = nameof(Trainer_step))]
    public void SetupTrainer() => SetupTrainer(_ => { });

    [IterationSetup(Target = nameof(Trainer_step_autograd))]
    public void SetupTrainerAutograd() => SetupTrainer(o => o.Training.FusedMlpStep = false);

    private void SetupTrainer(Action<MatrixGrokker.Options.MatrixGrokkerOptions> configure)
    {
        var options = StepWorkload.Options(Epochs);
        configure(options);
        _model = StepWorkload.Model(options);
        _trainer = new Trainer(_model, _data!, options);
    }

    [IterationSetup(Target = nameof(Hand_written_step))]
    public void SetupHand()
    {
        var options = StepWorkload.Options(Epochs);
        _model = StepWorkload.Model(options);
        _adamw = optim.AdamW(_model.parameters(), lr: options.Training.LearningRate, weight_decay: options.Training.WeightDecay);
    }

    [IterationSetup(Target = nameof(Gemm_floor_step))]
    public void SetupFloor()
    {
        using var model = StepWorkload.Model(StepWorkload.Options(1));
        _floor = new GemmFloor(StepWorkload.Layers(model), StepWorkload.BatchSize);
    }

    [IterationCleanup]
    public void Cleanup()
    {
        _trainer?.Dispose();
        _adamw?.Dispose();
        _model?.Dispose();
        _floor?.Dispose();
        (_trainer, _adamw, _model, _floor) = (null, null, null, null);
    }

    [GlobalCleanup]
    public void GlobalCleanup() => _data?.Dispose();

    /// <summary>(a) The library trainer (validation is on 2 samples, so it is all training steps).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public long Trainer_step() => _trainer!.Train().GlobalSteps;

    /// <summary>(a0) The trainer with the fused MLP step off: forward and backward through autograd.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public long Trainer_step_autograd() => _trainer!.Train().GlobalSteps;

    /// <summary>(b) model + torch AdamW + mse_loss + backward + step, dispose scope per step, index_select batches.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public long Hand_written_step()
    {
        var model = _model!;
        var optimizer = _adamw!;
        var inputs = _data!.TrainInputs;
        var targets = _data.TrainTargets;
        var count = _data.TrainCount;
        using var generator = new Generator(42);
        long steps = 0;
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            using var order = randperm(count, generator: generator);
            for (var start = 0; start < count; start += StepWorkload.BatchSize)
            {
                using var scope = NewDisposeScope();
                var index = order.narrow(0, start, Math.Min(StepWorkload.BatchSize, count - start));
                var loss = nn.functional.mse_loss(model.call(inputs.index_select(0, index)), targets.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                steps++;
            }
        }

        return steps;
    }

    /// <summary>(c) Only the step's matrix products, same shapes, same count of steps.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public long Gemm_floor_step()
    {
        for (var i = 0; i < Steps; i++)
        {
            _floor!.Step();
        }

        return Steps;
    }
}

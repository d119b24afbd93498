using MatrixGrokker.Checkpoints;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace MatrixGrokker.Tests.Checkpoints;

// Shared helpers: a temporary folder per test, a run that builds everything from scratch (as a new process would),
// and a recorder of per-step losses, saves and divergences.
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mg-ckpt-" + Guid.NewGuid().ToString("N"));
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

internal sealed class RunRecorder : ITrainerCallback
{
    public List<float> Losses { get; } = [];
    public List<CheckpointSavedInfo> Saves { get; } = [];
    public List<DivergenceInfo> Divergences { get; } = [];
    public List<double> LearningRates { get; } = [];

    public void OnStepEnd(TrainingContext context, StepInfo step)
    {
        Losses.Add((float)step.Loss);
        LearningRates.Add(context.LearningRate);
    }

    public void OnCheckpointSaved(TrainingContext context, CheckpointSavedInfo checkpoint) => Saves.Add(checkpoint);

    public void OnDivergence(TrainingContext context, DivergenceInfo divergence) => Divergences.Add(divergence);
}

internal sealed record RunOutcome(TrainingResult Result, RunRecorder Recorder, float[][] Parameters);

internal sealed class ListLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Add((logLevel, formatter(state, exception)));
}

internal static class CheckpointKit
{
    public const int StepsPerEpoch = 7;

    public static MatrixGrokkerOptions Options(int epochs, int everyEpochs = 0)
    {
        // 800 training pairs, batch 128: 7 steps per epoch, the last one a partial batch of 32.
        var options = TestOptions.Small(samples: 1000, epochs: epochs, seed: 42);
        options.Training.StopAccuracy = 1.0;
        options.Checkpoint.EveryEpochs = everyEpochs;
        options.Checkpoint.Interval = TimeSpan.Zero;
        return options;
    }

    // Builds data, model and trainer from nothing, like a fresh process, and trains.
    public static RunOutcome Run(
        MatrixGrokkerOptions options,
        CheckpointManager? manager,
        CancellationToken token = default,
        params ITrainerCallback[] extra)
    {
        using var data = new MatrixMultiplicationDataset(options.Data, options.Model.MatrixSize, options.Training.Seed);
        using var model = new MlpModel(options.Model, options.Training.Seed);
        var recorder = new RunRecorder();
        using var trainer = new Trainer(model, data, options, callbacks: [recorder, .. extra], checkpoints: manager);
        var result = trainer.Train(token);
        return new RunOutcome(result, recorder, Parameters(model));
    }

    public static float[][] Parameters(IModel model) =>
        [.. model.Module.parameters().Select(p => p.data<float>().ToArray())];

    public static bool BitwiseEqual(float[][] a, float[][] b) =>
        a.Length == b.Length && a.Zip(b).All(p => System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(p.First.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(p.Second.AsSpan())));

    public static bool BitwiseEqual(IReadOnlyList<float> a, IReadOnlyList<float> b) =>
        a.Count == b.Count && a.Zip(b).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
}

// Stops the run through the token once the given global step has completed.
internal sealed class CancelAt(CancellationTokenSource source, long step) : ITrainerCallback
{
    public void OnStepEnd(TrainingContext context, StepInfo info)
    {
        if (context.GlobalStep == step)
        {
            source.Cancel();
        }
    }
}

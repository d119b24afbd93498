using System.Globalization;
using MatrixGrokker.Checkpoints;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Training;

// Usage: MatrixGrokker.CrashHost <checkpoint folder> <pause in save number>
// Trains the test configuration with a checkpoint every epoch. When save number N is half written, prints
// "PAUSED <temp file>" and waits forever, so the parent can SIGKILL it in the middle of the write.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: MatrixGrokker.CrashHost <checkpoint folder> <pause in save number>");
    return 2;
}

var pauseAt = int.Parse(args[1], CultureInfo.InvariantCulture);
var options = CrashHostOptions.Create();
using var data = new MatrixMultiplicationDataset(options.Data, options.Model.MatrixSize, options.Training.Seed);
using var model = new MlpModel(options.Model, options.Training.Seed);
var manager = new CheckpointManager(args[0]);
var saves = 0;
manager.MidWriteHook = temp =>
{
    if (++saves == pauseAt)
    {
        Console.Out.WriteLine("PAUSED " + temp);
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
    }
};

using var trainer = new Trainer(model, data, options, checkpoints: manager);
var result = trainer.Train();
Console.Out.WriteLine("DONE " + result.Reason);
return 0;

internal static class CrashHostOptions
{
    // Must equal CheckpointKit.Options(epochs: 5, everyEpochs: 1), which the test resumes with: 7 steps per epoch.
    public static MatrixGrokkerOptions Create()
    {
        var options = new MatrixGrokkerOptions();
        options.Data.Samples = 1000;
        options.Training.Epochs = 5;
        options.Training.Seed = 42;
        options.Training.StopAccuracy = 1.0;
        options.Checkpoint.EveryEpochs = 1;
        options.Checkpoint.Interval = TimeSpan.Zero;
        return options;
    }
}

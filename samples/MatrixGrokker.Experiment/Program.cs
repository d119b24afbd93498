using System.Globalization;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Training;
using Microsoft.Extensions.Logging;

// Minimal first slice of the experiment: the seed's defaults, trained to its stop rule or epoch limit.
var options = new MatrixGrokkerOptions();
if (args.Length > 0)
{
    options.Training.Epochs = int.Parse(args[0], CultureInfo.InvariantCulture);
}

using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };

using var data = new MatrixMultiplicationDataset(options.Data, options.Model.MatrixSize, options.Training.Seed);
using var model = new MlpModel(options.Model, options.Training.Seed);
using var trainer = new Trainer(model, data, options, logger: loggerFactory.CreateLogger<Trainer>());
var result = trainer.Train(cts.Token);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{result.Reason}: {result.Message}. Epochs {result.EpochsRun}, steps {result.GlobalSteps}, {result.AverageIterationsPerSecond:F0} it/s, " +
    $"val acc {result.Final?.ValidationAccuracy:P2}, first epoch with val acc >= 0.99: {result.Grokking.GeneralizationEpoch?.ToString(CultureInfo.InvariantCulture) ?? "none"}"));

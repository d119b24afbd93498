using System.Globalization;
using MatrixGrokker;
using MatrixGrokker.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var stopAt = int.Parse(args[0], CultureInfo.InvariantCulture);

// The library's Trainer, built by the DI factory from configuration, with a callback that records and stops.
var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["MatrixGrokker:Model:HiddenDim"] = "32",
    ["MatrixGrokker:Data:Samples"] = "400",
    ["MatrixGrokker:Training:Epochs"] = "50",
    ["MatrixGrokker:Training:BatchSize"] = "64",
}).Build();
using var provider = new ServiceCollection().AddMatrixGrokker(configuration).BuildServiceProvider(validateScopes: true);
var recorder = new Recorder(stopAt);
using var session = provider.GetRequiredService<ITrainerFactory>().Create([recorder]);
var result = session.Train();
Console.WriteLine($"TRAINER reason={result.Reason} epochs={result.EpochsRun} steps={result.GlobalSteps} train={session.Data.TrainCount}");
Console.WriteLine($"EVENTS {string.Join(',', recorder.Events)}");

internal sealed class Recorder(int stopAtEpoch) : ITrainerCallback
{
    private int _steps;

    public List<string> Events { get; } = [];

    public void OnTrainBegin(TrainingContext context) => Events.Add("begin");

    public void OnEpochBegin(TrainingContext context) => _steps = 0;

    public void OnStepEnd(TrainingContext context, StepInfo step) => _steps++;

    public void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        Events.Add($"e{metrics.Epoch}:{_steps}");
        if (metrics.Epoch == stopAtEpoch)
        {
            context.RequestStop($"consumer stops at epoch {stopAtEpoch}");
            Events.Add("stop");
        }
    }

    public void OnTrainEnd(TrainingContext context, TrainingResult result) => Events.Add($"end:{result.EpochsRun}");
}

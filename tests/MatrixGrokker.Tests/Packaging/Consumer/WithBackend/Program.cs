using System.Globalization;
using MatrixGrokker;
using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using MatrixGrokker.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var ownEpochs = int.Parse(args[0], CultureInfo.InvariantCulture);
var stopAt = int.Parse(args[1], CultureInfo.InvariantCulture);

OwnLoop(ownEpochs);
LibraryTrainer(stopAt);

// (1) A training loop of our own — own model, own optimizer, own data — measured by the package's analyzers each epoch.
static void OwnLoop(int epochs)
{
    random.manual_seed(1);
    using var net = nn.Sequential(
        ("fc1", nn.Linear(8, 64)), ("act1", nn.ReLU()), ("fc2", nn.Linear(64, 64)), ("act2", nn.ReLU()), ("fc3", nn.Linear(64, 4)));
    using var optimizer = optim.Adam(net.parameters(), lr: 1e-2);
    var a = (rand(512, 2, 2) * 2 - 1).DetachFromDisposeScope();
    var b = (rand(512, 2, 2) * 2 - 1).DetachFromDisposeScope();
    using var x = cat([a.reshape(512, 4), b.reshape(512, 4)], 1);
    using var y = matmul(a, b).reshape(512, 4);
    using var probe = x.narrow(0, 0, 64).clone();
    IAnalyzer[] analyzers = [new LocalComplexityAnalyzer(), new SuperpositionAnalyzer()];

    for (var epoch = 1; epoch <= epochs; epoch++)
    {
        double loss = 0;
        for (var start = 0; start < 512; start += 64)
        {
            using var scope = NewDisposeScope();
            var batchLoss = nn.functional.mse_loss(net.call(x.narrow(0, start, 64)), y.narrow(0, start, 64));
            optimizer.zero_grad();
            batchLoss.backward();
            optimizer.step();
            loss += batchLoss.item<float>() / 8;
        }

        var report = AnalyzerRunner.Run(analyzers, new AnalysisInput(net, probe), epoch: epoch);
        var lc = report.Results[0];
        var sp = report.Results[1];
        Console.WriteLine(
            $"OWN epoch={epoch} loss={loss:R} lc={lc.Value:R} lcLayers={lc.PerLayer.Count} sp={sp.Value:R} " +
            $"spMatrices={sp.PerLayer.Count} erank={sp.Extra["effective_rank"]:R} training={net.training}");
    }

    a.Dispose();
    b.Dispose();
}

// (2) The library's Trainer, built by the DI factory from configuration (with the metrics package's analyzers),
// and a callback of our own that records every event and stops training at a chosen epoch.
static void LibraryTrainer(int stopAt)
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["MatrixGrokker:Model:HiddenDim"] = "32",
        ["MatrixGrokker:Data:Samples"] = "400",
        ["MatrixGrokker:Training:Epochs"] = "50",
        ["MatrixGrokker:Training:BatchSize"] = "64",
        ["MatrixGrokker:Metrics:RunAtEpochEnd"] = "true",
        ["MatrixGrokker:Analyzers:Superposition:Backend"] = "MathNet",
    }).Build();
    using var provider = new ServiceCollection().AddMatrixGrokkerMetrics(configuration).BuildServiceProvider(validateScopes: true);
    var recorder = new Recorder(stopAt);
    using var session = provider.GetRequiredService<ITrainerFactory>().Create([recorder]);
    var result = session.Train();
    Console.WriteLine($"TRAINER reason={result.Reason} epochs={result.EpochsRun} steps={result.GlobalSteps} train={session.Data.TrainCount}");
    Console.WriteLine($"EVENTS {string.Join(',', recorder.Events)}");
    Console.WriteLine($"ANALYSIS {string.Join(',', result.Final!.Analysis.Keys.Where(k => !k.Contains('.', StringComparison.Ordinal)).Order(StringComparer.Ordinal))}");
}

internal sealed class Recorder(int stopAtEpoch) : ITrainerCallback
{
    private int _steps;

    public List<string> Events { get; } = [];

    public void OnTrainBegin(TrainingContext context) => Events.Add("begin");

    public void OnEpochBegin(TrainingContext context) => _steps = 0;

    public void OnStepEnd(TrainingContext context, StepInfo step) => _steps++;

    public void OnMetricsComputed(TrainingContext context, AnalysisReport report) => Events.Add($"m{report.Epoch}:{report.Trigger}");

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

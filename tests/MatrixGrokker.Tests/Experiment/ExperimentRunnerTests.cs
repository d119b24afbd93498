using System.Text.Json;
using MatrixGrokker.Experiment;

namespace MatrixGrokker.Tests.Experiment;

public sealed class ExperimentRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mg-run-").FullName;

    [Fact]
    public void A_tiny_run_writes_the_complete_run_folder()
    {
        var outDir = Path.Combine(_dir, "run");
        var settings = ExperimentConfiguration.Parse(
            [
                "--out", outDir, "--epochs", "3", "--seed", "3",
                "--Data:Samples=400", "--Model:HiddenDim=16", "--Transfer:EvaluationSamples=30", "--Transfer:ExpansionSizes:0=4",
                "--Transfer:ExpansionSizes:1=5", "--Experiment:StopAtGrok=false", "--Experiment:Threads=0",
            ],
            _dir,
            readEnvironment: false);
        using var output = new StringWriter();

        var summary = new ExperimentRunner(settings, output).Run();

        Assert.Equal(3, summary.EpochsRun);
        var rule = Assert.IsType<BilinearRuleSummary>(summary.BilinearRule);
        Assert.Contains("not the trained MLP", rule.Source, StringComparison.Ordinal);
        Assert.Equal((true, 7), (rule.Verified, rule.Products));
        var csv = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.Equal(4, csv.Length);
        Assert.StartsWith("epoch,step,train_loss,train_acc,val_loss,val_acc,lc,sp,effective_rank,wd,lr,it_s", csv[0], StringComparison.Ordinal);
        Assert.StartsWith("3,", csv[3], StringComparison.Ordinal);
        var jsonl = File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl"));
        Assert.Equal(3, jsonl.Length);
        Assert.Equal(2, JsonDocument.Parse(jsonl[1]).RootElement.GetProperty("epoch").GetInt32());

        using var summaryJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        var root = summaryJson.RootElement;
        Assert.Equal(3, root.GetProperty("epochsRun").GetInt32());
        Assert.Equal("MaxEpochs", root.GetProperty("stopReason").GetString());
        foreach (var field in new[] { "finalTrainLoss", "finalTrainAccuracy", "finalValidationLoss", "finalValidationAccuracy", "weightDecay", "averageIterationsPerSecond", "wallSeconds" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(field).ValueKind);
        }

        Assert.True(root.GetProperty("grokking").TryGetProperty("memorizationEpoch", out _));
        Assert.True(root.GetProperty("grokking").TryGetProperty("generalizationEpoch", out _));
        Assert.Equal(16, root.GetProperty("options").GetProperty("model").GetProperty("hiddenDim").GetInt32());
        Assert.Equal(6, root.GetProperty("transfer").GetArrayLength());

        using var transfer = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "transfer.json")));
        var results = transfer.RootElement.GetProperty("results");
        Assert.Equal(6, results.GetArrayLength()); // 3 strategies × sizes 4 and 5
        Assert.Contains(results.EnumerateArray(), r => r.GetProperty("strategy").GetString() == "block-composition" && r.GetProperty("size").GetInt32() == 5);
        var mlpResults = results.EnumerateArray().Where(r => r.GetProperty("strategy").GetString() != "bilinear-recursion").ToList();
        Assert.Equal(4, mlpResults.Count);
        Assert.All(mlpResults, r => Assert.True(r.GetProperty("modelMetrics").TryGetProperty("lc", out _)));

        // The bilinear model discovers its own exact rule from data, so its recursion multiplies 4×4 and padded 5×5 exactly.
        var bilinear = results.EnumerateArray().Where(r => r.GetProperty("strategy").GetString() == "bilinear-recursion").ToList();
        Assert.Equal(2, bilinear.Count);
        Assert.All(bilinear, r => Assert.True(r.GetProperty("relativeError").GetDouble() < 1e-5));
        Assert.All(bilinear, r => Assert.Equal(1.0, r.GetProperty("accuracy").GetDouble()));

        foreach (var png in new[] { "loss.png", "accuracy.png", "dynamics.png", "transfer_accuracy.png", "transfer_error.png" })
        {
            var path = Path.Combine(outDir, png);
            Assert.True(File.Exists(path), png);
            Assert.Equal(0x89, File.ReadAllBytes(path)[0]); // PNG signature
        }

        var events = Directory.GetFiles(Path.Combine(outDir, "tensorboard"), "events.out.tfevents.*");
        Assert.Single(events);
        Assert.True(new FileInfo(events[0]).Length > 0);
        Assert.Contains("block-composition", output.ToString(), StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(outDir, "checkpoints"), "*.mgck"));
    }

    [Fact]
    public void Rerunning_with_the_same_folder_resumes_and_fresh_starts_over()
    {
        var outDir = Path.Combine(_dir, "resume");
        ExperimentSettings Settings(int epochs, bool fresh = false) => ExperimentConfiguration.Parse(
            [
                "--out", outDir, "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--Data:Samples=300", "--Model:HiddenDim=8", "--Transfer:EvaluationSamples=10", "--Transfer:ExpansionSizes:0=4",
                "--Experiment:StopAtGrok=false", "--Experiment:Plots=false", "--Experiment:TensorBoard=false", .. (fresh ? new[] { "--fresh" } : []),
            ],
            _dir,
            readEnvironment: false);

        var first = new ExperimentRunner(Settings(2)).Run();
        var resumed = new ExperimentRunner(Settings(4)).Run();
        Assert.Equal(2, first.EpochsRun);
        Assert.Equal(4, resumed.EpochsRun);
        Assert.Equal(2 * first.GlobalSteps, resumed.GlobalSteps);
        var epochs = File.ReadAllLines(Path.Combine(outDir, "metrics.csv")).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.Equal(["1", "2", "3", "4"], epochs);

        var fresh = new ExperimentRunner(Settings(1, fresh: true)).Run();
        Assert.Equal(1, fresh.EpochsRun);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(outDir, "metrics.csv")).Length);
    }

    private ExperimentSettings Tiny(string outDir, params string[] extra) => ExperimentConfiguration.Parse(
        [
            "--out", outDir, "--Data:Samples=300", "--Model:HiddenDim=8", "--Transfer:EvaluationSamples=10", "--Transfer:ExpansionSizes:0=4",
            "--Experiment:Plots=false", "--Experiment:TensorBoard=false", .. extra,
        ],
        _dir,
        readEnvironment: false);

    [Fact]
    public void A_rerun_that_fails_its_checkpoint_checks_leaves_the_previous_outputs_alone()
    {
        var outDir = Path.Combine(_dir, "keep");
        new ExperimentRunner(Tiny(outDir, "--epochs", "2", "--Experiment:StopAtGrok=false")).Run();
        var files = new[] { "summary.json", "transfer.json", "metrics.csv", "metrics.jsonl", "model.safetensors" }
            .ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(outDir, f)));

        // Checkpoints exist but resuming is off: the trainer refuses to mix runs.
        Assert.ThrowsAny<Exception>(() => new ExperimentRunner(Tiny(outDir, "--epochs", "3", "--Checkpoint:Resume=false")).Run());

        Assert.All(files, f => Assert.Equal(f.Value, File.ReadAllBytes(Path.Combine(outDir, f.Key))));
    }

    [Fact]
    public void Rerunning_a_run_that_stopped_at_grok_trains_nothing_more()
    {
        var outDir = Path.Combine(_dir, "grok");
        // A loose tolerance and threshold make the detector fire at epoch 1; stop one epoch later.
        string[] args = ["--epochs", "50", "--Training:AccuracyTolerance=0.5", "--Training:GeneralizationThreshold=0.01", "--Experiment:StopPatienceEpochs=1"];
        var first = new ExperimentRunner(Tiny(outDir, args)).Run();
        var again = new ExperimentRunner(Tiny(outDir, args)).Run();

        Assert.Equal(2, first.EpochsRun);
        Assert.Equal((first.EpochsRun, first.GlobalSteps), (again.EpochsRun, again.GlobalSteps));
        Assert.Equal(MatrixGrokker.Training.StopReason.Requested, again.StopReason);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Training;
using MatrixGrokker.Transfer;

namespace MatrixGrokker.Tests.Transfer;

public class TrainerTransferTests
{
    [Fact]
    public void EvaluateTransfer_raises_one_event_per_result()
    {
        var options = TestOptions.Small(samples: 400, epochs: 1);
        options.Model.HiddenDim = 16;
        options.Transfer.ExpansionSizes = [4, 6];
        options.Transfer.EvaluationSamples = 20;
        using var data = new MatrixMultiplicationDataset(options.Data, 2, 1);
        using var model = new MlpModel(options.Model, 1);
        var events = new Events();
        using var trainer = new Trainer(model, data, options, callbacks: [events]);
        trainer.Train();

        using var embedding = new WeightEmbeddingStrategy(model, 2);
        var report = trainer.EvaluateTransfer([new BlockCompositionStrategy(model), embedding]);

        Assert.Equal(4, report.Results.Count);
        Assert.Equal(report.Results, events.Results);
        Assert.Equal([4, 4, 6, 6], events.Results.Select(r => r.Size));
        Assert.True(model.training); // restored after evaluation
    }

    [Fact]
    public void Separate_generalisation_threshold_is_used_by_the_detector()
    {
        var options = TestOptions.Small(samples: 2000, epochs: 3);
        options.Training.GrokThreshold = 0.999;
        options.Training.GeneralizationThreshold = 1e-9; // any validation accuracy above zero counts
        using var data = new MatrixMultiplicationDataset(options.Data, 2, 1);
        using var model = new MlpModel(options.Model, 1);
        var events = new Events();
        using var trainer = new Trainer(model, data, options, callbacks: [events]);
        var result = trainer.Train();

        var first = result.History.First(h => h.ValidationAccuracy >= 1e-9).Epoch;
        Assert.Equal(first, result.Grokking.GeneralizationEpoch);
        Assert.Equal(1e-9, result.Grokking.GeneralizationThreshold);
        Assert.NotNull(events.Grokking);
    }

    private sealed class Events : ITrainerCallback
    {
        public List<TransferResult> Results { get; } = [];

        public GrokkingReport? Grokking { get; private set; }

        public void OnTransferEvaluated(TrainingContext context, TransferResult result) => Results.Add(result);

        public void OnGrokkingDetected(TrainingContext context, GrokkingReport report) => Grokking = report;
    }
}

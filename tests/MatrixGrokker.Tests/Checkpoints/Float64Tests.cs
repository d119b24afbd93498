using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Training;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Checkpoints;

public class Float64Tests
{
    // The library's dataset as float64, for a float64 model.
    private sealed class Float64Data(IDataset inner) : IDataset
    {
        public int InputSize => inner.InputSize;
        public int OutputSize => inner.OutputSize;
        public Tensor TrainInputs { get; } = inner.TrainInputs.to_type(ScalarType.Float64).DetachFromDisposeScope();
        public Tensor TrainTargets { get; } = inner.TrainTargets.to_type(ScalarType.Float64).DetachFromDisposeScope();
        public Tensor ValidationInputs { get; } = inner.ValidationInputs.to_type(ScalarType.Float64).DetachFromDisposeScope();
        public Tensor ValidationTargets { get; } = inner.ValidationTargets.to_type(ScalarType.Float64).DetachFromDisposeScope();
        public int TrainCount => inner.TrainCount;
        public int ValidationCount => inner.ValidationCount;

        public void Dispose()
        {
            TrainInputs.Dispose();
            TrainTargets.Dispose();
            ValidationInputs.Dispose();
            ValidationTargets.Dispose();
        }
    }

    private sealed class LossRecorder : ITrainerCallback
    {
        public List<double> Losses { get; } = [];
        public void OnStepEnd(TrainingContext context, StepInfo step) => Losses.Add(step.Loss);
    }

    private static List<double> Losses(bool detectDivergence)
    {
        var options = TestOptions.Small(samples: 500, epochs: 2);
        options.Checkpoint.DetectDivergence = detectDivergence;
        using var inner = new MatrixMultiplicationDataset(options.Data, 2, 3);
        using var data = new Float64Data(inner);
        using var model = new BilinearModel(2, 8, seed: 4, dtype: ScalarType.Float64);
        var recorder = new LossRecorder();
        using var trainer = new Trainer(model, data, options, callbacks: [recorder]);
        trainer.Train();
        return recorder.Losses;
    }

    [Fact]
    public void The_divergence_check_leaves_a_float64_loss_untouched()
    {
        // The check once added the gradient sum into the loss in place: for float64 to_type returns the same tensor.
        var checkedLosses = Losses(detectDivergence: true);
        var uncheckedLosses = Losses(detectDivergence: false);
        Assert.NotEmpty(checkedLosses);
        Assert.Equal(uncheckedLosses, checkedLosses);
        Assert.All(checkedLosses, l => Assert.True(double.IsFinite(l)));
    }
}

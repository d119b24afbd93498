using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Training;
using MatrixGrokker.Training.Optimization;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Performance;

public class FusedMlpStepTests
{
    private sealed class Recorder : ITrainerCallback
    {
        public List<float> Losses { get; } = [];

        public void OnStepEnd(TrainingContext context, StepInfo step)
        {
            Losses.Add((float)step.Loss);
        }
    }

    private static (List<float> Losses, float[][] Parameters, Recorder Recorder) Train(ActivationKind activation, bool fused, ITrainerCallback? extra = null)
    {
        var options = TestOptions.Small(samples: 1000, epochs: 2);
        options.Model.HiddenDim = 64;
        options.Model.Activation = activation;
        options.Training.StopAccuracy = 1.0;
        options.Training.FusedMlpStep = fused;
        using var data = new MatrixMultiplicationDataset(options.Data, 2, options.Training.Seed);
        using var model = new MlpModel(options.Model, options.Training.Seed);
        var recorder = new Recorder();
        using var trainer = new Trainer(model, data, options, callbacks: extra is null ? [recorder] : [recorder, extra]);
        trainer.Train();
        return (recorder.Losses, [.. model.parameters().Select(p => p.data<float>().ToArray())], recorder);
    }

    [Fact]
    public void Relu_training_through_the_fused_step_is_bitwise_the_autograd_trajectory()
    {
        var autograd = Train(ActivationKind.Relu, fused: false);
        var fused = Train(ActivationKind.Relu, fused: true);

        Assert.Equal(14, fused.Losses.Count);
        Assert.Equal(autograd.Losses, fused.Losses); // float equality: every loss bit for bit
        Assert.Equal(autograd.Parameters, fused.Parameters);
    }

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    public void Tanh_and_sigmoid_fused_steps_follow_autograd_to_float_rounding(ActivationKind activation)
    {
        var autograd = Train(activation, fused: false);
        var fused = Train(activation, fused: true);

        Assert.Equal(autograd.Losses.Count, fused.Losses.Count);
        Assert.All(autograd.Losses.Zip(fused.Losses), p => Assert.Equal(p.First, p.Second, 1e-6f * Math.Max(1f, Math.Abs(p.First))));
        Assert.All(autograd.Parameters.Zip(fused.Parameters).SelectMany(p => p.First.Zip(p.Second)), p => Assert.Equal(p.First, p.Second, 1e-5f));
    }

    private sealed class HookWatcher(MlpModel model) : ITrainerCallback
    {
        public List<long[]> RecordedShapes { get; } = [];

        public void OnBeforeOptimizerStep(TrainingContext context, StepInfo step)
        {
            if (context.GlobalStep == 3)
            {
                Recorder = model.RecordActivations(); // alive during the next step's forward pass
            }
            else if (Recorder is not null)
            {
                RecordedShapes.Add(Recorder.Activations[0].shape);
                Recorder.Dispose();
                Recorder = null;
            }
        }

        private ActivationRecorder? Recorder { get; set; }
    }

    [Fact]
    public void While_an_activation_recorder_is_alive_steps_go_through_the_module_so_its_hooks_fire()
    {
        var options = TestOptions.Small(samples: 1000, epochs: 1);
        options.Model.HiddenDim = 32;
        options.Training.StopAccuracy = 1.0;
        using var data = new MatrixMultiplicationDataset(options.Data, 2, 1);
        using var model = new MlpModel(options.Model, 1);
        var watcher = new HookWatcher(model);
        using var trainer = new Trainer(model, data, options, callbacks: [watcher]);
        trainer.Train();

        // The recorder created at step 3 saw step 4's training batch (128 rows) through its hooks.
        Assert.Equal([128L, 32L], Assert.Single(watcher.RecordedShapes));
        Assert.Equal(0, model.LiveRecorders);
    }

    [Fact]
    public void A_frozen_layer_stays_frozen_and_the_rest_trains_as_with_autograd()
    {
        float[][] Run(bool fused)
        {
            var options = TestOptions.Small(samples: 1000, epochs: 1);
            options.Model.HiddenDim = 32;
            options.Training.StopAccuracy = 1.0;
            options.Training.FusedMlpStep = fused;
            using var data = new MatrixMultiplicationDataset(options.Data, 2, 1);
            using var model = new MlpModel(options.Model, 1);
            model.Layers[0].weight!.requires_grad = false;
            model.Layers[0].bias!.requires_grad = false;
            var frozen = model.Layers[0].weight!.data<float>().ToArray();
            using var trainer = new Trainer(model, data, options);
            trainer.Train();
            Assert.Equal(frozen, model.Layers[0].weight!.data<float>().ToArray());
            return [.. model.parameters().Select(p => p.data<float>().ToArray())];
        }

        Assert.Equal(Run(fused: false), Run(fused: true));
    }

    [Fact]
    public void A_trainer_built_inside_a_dispose_scope_keeps_working_after_the_scope_ends()
    {
        var options = TestOptions.Small(samples: 1000, epochs: 1);
        options.Model.HiddenDim = 16;
        using var data = new MatrixMultiplicationDataset(options.Data, 2, 1);
        using var model = new MlpModel(options.Model, 1);
        Trainer trainer;
        using (NewDisposeScope())
        {
            trainer = new Trainer(model, data, options);
        }

        using (trainer)
        {
            Assert.Equal(7, trainer.Train().GlobalSteps);
        }
    }

    [Fact]
    public void Gelu_models_and_the_option_turned_off_train_through_autograd()
    {
        var options = new MatrixGrokkerOptions();
        using var relu = new MlpModel(2, 8, 2, ActivationKind.Relu, seed: 1);
        using var gelu = new MlpModel(2, 8, 2, ActivationKind.Gelu, seed: 1);

        Assert.NotNull(MlpFusedStep.TryCreate(relu, options.Training));
        Assert.Null(MlpFusedStep.TryCreate(gelu, options.Training));
        options.Training.FusedMlpStep = false;
        Assert.Null(MlpFusedStep.TryCreate(relu, options.Training));
    }
}

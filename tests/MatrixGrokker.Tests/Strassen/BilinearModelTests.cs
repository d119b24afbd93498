using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Strassen;
using MatrixGrokker.Training;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Strassen;

public class BilinearModelTests
{
    [Fact]
    public void Forward_is_W_of_the_product_of_the_two_linear_forms_and_hooks_see_them()
    {
        using var model = new BilinearModel(2, 8, seed: 1);
        Assert.Equal(8, model.InputSize);
        Assert.Equal(4, model.OutputSize);
        Assert.Equal(["U", "V", "W"], model.GetWeights().Select(w => w.Name));
        Assert.Equal(["U", "V", "W"], model.named_parameters().Select(p => p.name));

        using var scope = NewDisposeScope();
        var x = randn(5, 8);
        using var recorder = model.RecordActivations();
        var output = model.Forward(x);
        var ua = x.narrow(1, 0, 4).matmul(model.U.t());
        var vb = x.narrow(1, 4, 4).matmul(model.V.t());
        Assert.True(output.allclose(ua.mul(vb).matmul(model.W.t()), rtol: 1e-5, atol: 1e-6));
        Assert.Equal(1, recorder.LayerCount);
        Assert.True(recorder.PreActivations[0].allclose(cat([ua, vb], 1)));
        Assert.True(recorder.Activations[0].allclose(ua.mul(vb)));
    }

    [Fact]
    public void Symmetric_initialisation_starts_with_V_equal_to_U_and_seeds_repeat()
    {
        using var symmetric = new BilinearModel(2, 8, seed: 4, initialization: BilinearInitialization.Symmetric);
        using var gaussian = new BilinearModel(2, 8, seed: 4);
        using var again = new BilinearModel(2, 8, seed: 4);
        Assert.True(symmetric.U.Equals(symmetric.V));
        Assert.False(gaussian.U.Equals(gaussian.V));
        Assert.True(gaussian.W.Equals(again.W));
    }

    [Fact]
    public void Model_with_strassen_coefficients_multiplies_exactly_and_round_trips()
    {
        using var model = BilinearModel.FromAlgorithm(BilinearAlgorithm.Strassen, ScalarType.Float64);
        Assert.Equal(7, model.Slots);
        using var scope = NewDisposeScope();
        var (a, b) = MatrixMultiplicationDataset.SamplePairs(2, 64, -1, 1, seed: 3);
        var output = model.Forward(MatrixMultiplicationDataset.Flatten(a, b).to_type(ScalarType.Float64));
        var reference = matmul(a.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64)).reshape(64, 4);
        Assert.True(output.allclose(reference, rtol: 1e-12, atol: 1e-12));
        Assert.Equal(BilinearAlgorithm.Strassen.ToString(), model.ToAlgorithm().ToString());
        Assert.All(model.SlotImportance(), x => Assert.True(x > 0));
    }

    [Fact]
    public void Saved_state_loads_into_a_fresh_model()
    {
        using var trained = new BilinearModel(2, 8, seed: 5);
        using var fresh = new BilinearModel(2, 8, seed: 6);
        var path = Path.Combine(Path.GetTempPath(), $"bilinear-{Guid.NewGuid():N}.bin");
        try
        {
            trained.save(path);
            fresh.load(path);
            Assert.True(fresh.U.Equals(trained.U) && fresh.V.Equals(trained.V) && fresh.W.Equals(trained.W));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_library_trainer_trains_the_bilinear_model_and_its_loss_falls()
    {
        var options = TestOptions.Small(samples: 2000, epochs: 5, seed: 3);
        options.Training.LearningRate = 0.01;
        options.Training.WeightDecay = 0;
        using var data = new MatrixMultiplicationDataset(options.Data, 2, 3);
        using var model = new BilinearModel(2, 8, seed: 3);
        using var trainer = new Trainer(model, data, options);
        var result = trainer.Train();
        Assert.Equal(5, result.EpochsRun);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss / 5,
            $"train loss {result.History[0].TrainLoss} → {result.History[^1].TrainLoss}");
        Assert.True(result.History[^1].ValidationLoss < result.History[0].ValidationLoss);
    }
}

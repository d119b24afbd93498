using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Training.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Performance;

public class FusedAdamWTests
{
    // Float32 rounding of the two implementations differs only in the last bits; a missed decay or bias correction
    // moves parameters by ~lr·wd·|θ| ≈ 1e-3 with these settings, far outside this tolerance.
    private const double Rtol = 1e-5;
    private const double Atol = 1e-6;

    private static MlpModel NewModel() => new(2, 16, 3, ActivationKind.Relu, seed: 7);

    private static Tensor Batch(int seed, int inputs)
    {
        using var g = new Generator((ulong)seed);
        return randn([32, inputs], generator: g);
    }

    // Forward, MSE against a fixed target, backward: the same gradients for both models.
    private static void Backward(MlpModel model, int seed)
    {
        using var scope = NewDisposeScope();
        var x = Batch(seed, model.InputSize);
        var y = Batch(seed + 1000, model.OutputSize);
        nn.functional.mse_loss(model.Forward(x), y).backward();
    }

    private static void AssertSameParameters(MlpModel expected, MlpModel actual)
    {
        var e = expected.parameters().ToArray();
        var a = actual.parameters().ToArray();
        Assert.Equal(e.Length, a.Length);
        for (var i = 0; i < e.Length; i++)
        {
            var maxDiff = (e[i] - a[i]).abs().max().item<float>();
            Assert.True(allclose(a[i], e[i], Rtol, Atol), $"parameter {i} differs from torch AdamW by up to {maxDiff:G3}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void One_step_equals_torch_AdamW(bool managedKernel)
    {
        using var reference = NewModel();
        using var fused = NewModel();
        using var adamw = optim.AdamW(reference.parameters(), lr: 1e-2, weight_decay: 0.3);
        using var optimizer = new FusedAdamW(fused.parameters(), 1e-2, 0.3, 0.9, 0.999, 1e-8, managedKernel);

        var before = fused.parameters().Select(p => p.detach().clone()).ToArray();
        Backward(reference, 1);
        Backward(fused, 1);
        adamw.step();
        optimizer.Step();

        AssertSameParameters(reference, fused);
        Assert.Equal(1, optimizer.StepCount);
        Assert.Contains(fused.parameters().Zip(before), pair => !pair.First.Equals(pair.Second));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Several_steps_with_learning_rate_and_weight_decay_changed_between_them_equal_torch_AdamW(bool managedKernel)
    {
        using var reference = NewModel();
        using var fused = NewModel();
        using var adamw = optim.AdamW(reference.parameters(), lr: 1e-3, weight_decay: 0.01);
        using var optimizer = new FusedAdamW(fused.parameters(), 1e-3, 0.01, 0.9, 0.999, 1e-8, managedKernel);
        (double Lr, double Wd)[] schedule = [(1e-3, 0.01), (1e-2, 0), (5e-3, 1.0), (2e-2, 0.25), (1e-3, 5.0), (3e-3, 0.01)];

        for (var step = 0; step < schedule.Length; step++)
        {
            var (lr, wd) = schedule[step];
            foreach (var group in adamw.ParamGroups)
            {
                var g = (AdamW.ParamGroup)group;
                g.LearningRate = lr;
                g.Options.weight_decay = wd;
            }

            optimizer.LearningRate = lr;
            optimizer.WeightDecay = wd;
            adamw.zero_grad();
            optimizer.ZeroGrad();
            Backward(reference, step);
            Backward(fused, step);
            adamw.step();
            optimizer.Step();
            AssertSameParameters(reference, fused);
            Assert.Equal(wd, optimizer.AppliedWeightDecay);
            Assert.Equal(lr, optimizer.AppliedLearningRate);
        }

        Assert.Equal(schedule.Length, optimizer.StepCount);
    }

    [Fact]
    public void Parameters_and_gradients_become_views_of_the_flat_buffers_without_changing_the_model()
    {
        using var model = NewModel();
        using var probe = Batch(3, model.InputSize);
        using var before = model.Forward(probe).detach();
        using var optimizer = new FusedAdamW(model.parameters());

        using (var after = model.Forward(probe).detach())
        {
            Assert.True(after.Equals(before), "moving the storage must not change the function");
        }

        Assert.Equal(model.parameters().Sum(p => p.numel()), optimizer.Count);
        Backward(model, 4);
        using var grads = cat(model.parameters().Select(p => p.grad!.flatten()).ToArray());
        using var flatParams = cat(model.parameters().Select(p => p.detach().flatten()).ToArray());
        Assert.True(grads.Equals(optimizer.FlatGradients), "backward must accumulate into the flat gradient buffer");
        Assert.True(flatParams.Equals(optimizer.FlatParameters));
        Assert.True(optimizer.FlatGradients.abs().sum().item<float>() > 0);

        optimizer.ZeroGrad();
        Assert.All(model.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
    }

    [Fact]
    public void A_gradient_replaced_from_outside_is_still_applied()
    {
        using var reference = NewModel();
        using var fused = NewModel();
        using var adamw = optim.AdamW(reference.parameters(), lr: 1e-2, weight_decay: 0.1);
        using var optimizer = new FusedAdamW(fused.parameters(), 1e-2, 0.1);

        Backward(reference, 9);
        Backward(fused, 9);
        // Detach one gradient from the flat buffer the way user code might: assign a fresh tensor.
        var first = fused.parameters().First();
        first.grad = first.grad!.clone();
        adamw.step();
        optimizer.Step();
        AssertSameParameters(reference, fused);
    }

    [Fact]
    public void Exported_state_resumes_the_same_trajectory()
    {
        using var a = NewModel();
        using var b = NewModel();
        using var optA = new FusedAdamW(a.parameters(), 1e-2, 0.05);
        for (var s = 0; s < 3; s++)
        {
            optA.ZeroGrad();
            Backward(a, s);
            optA.Step();
        }

        // b starts from a's parameters and a's exported optimizer state.
        using (no_grad())
        {
            foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
            {
                pb.copy_(pa);
            }
        }

        using var optB = new FusedAdamW(b.parameters(), 1e-2, 0.05);
        using (var state = optA.ExportState())
        {
            Assert.Equal(3, state.StepCount);
            Assert.Equal(optA.Count, state.ExpAvg.shape[0]);
            optB.ImportState(state);
        }

        optA.ZeroGrad();
        optB.ZeroGrad();
        Backward(a, 10);
        Backward(b, 10);
        optA.Step();
        optB.Step();
        Assert.Equal(4, optB.StepCount);
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
        {
            Assert.True(pa.Equals(pb), "same state and gradients must give bitwise the same step");
        }
    }

    [Fact]
    public void Loading_a_state_dict_after_construction_keeps_parameters_in_the_flat_buffer()
    {
        // Checkpoint resume loads weights into a model whose trainer (and optimizer) already exists.
        using var source = new MlpModel(2, 16, 3, ActivationKind.Relu, seed: 99);
        using var model = NewModel();
        using var optimizer = new FusedAdamW(model.parameters(), 1e-2, 0.1);
        model.load_state_dict(source.state_dict());

        using var flat = cat(source.parameters().Select(p => p.detach().flatten()).ToArray());
        Assert.True(flat.Equals(optimizer.FlatParameters), "loaded weights must land in the optimizer's buffer");
        Backward(model, 2);
        optimizer.Step();
        using var moved = cat(model.parameters().Select(p => p.detach().flatten()).ToArray());
        Assert.True(moved.Equals(optimizer.FlatParameters));
        Assert.False(moved.Equals(flat), "the step must move the loaded weights");
    }

    [Theory]
    [InlineData(true, 0, float.NaN)]
    [InlineData(true, 5, float.PositiveInfinity)]
    [InlineData(true, -1, float.NegativeInfinity)] // -1: the last value, outside the vectorised part
    [InlineData(false, 3, float.NaN)]
    [InlineData(false, -1, float.PositiveInfinity)]
    public void A_single_non_finite_gradient_anywhere_is_found(bool managedKernel, int index, float bad)
    {
        using var model = NewModel();
        using var optimizer = new FusedAdamW(model.parameters(), 1e-3, 0.01, 0.9, 0.999, 1e-8, managedKernel);
        Backward(model, 3);
        Assert.True(optimizer.GradientsAreFinite());

        var flat = optimizer.FlatGradients;
        var at = index >= 0 ? index : flat.shape[0] - 1;
        flat[at] = bad;
        Assert.False(optimizer.GradientsAreFinite());
        flat[at] = 0.5f;
        Assert.True(optimizer.GradientsAreFinite());
    }

    [Fact]
    public void Bad_input_is_rejected_with_a_clear_message()
    {
        using var model = NewModel();
        var frozen = model.parameters().Select(p => new Parameter(p.detach().clone(), requires_grad: false)).ToArray();
        Assert.Contains("requires a gradient", Assert.Throws<ArgumentException>(() => new FusedAdamW(frozen)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FusedAdamW(model.parameters(), beta1: 1.0));

        using var optimizer = new FusedAdamW(model.parameters());
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.WeightDecay = -1);
        using var wrong = new AdamWState(1, zeros(5), zeros(5));
        Assert.Contains("holds", Assert.Throws<ArgumentException>(() => optimizer.ImportState(wrong)).Message, StringComparison.Ordinal);
    }
}

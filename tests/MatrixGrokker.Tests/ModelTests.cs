using MatrixGrokker.Models;
using MatrixGrokker.Options;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests;

public class ModelTests
{
    [Theory]
    [InlineData(2, 3)]
    [InlineData(4, 2)]
    [InlineData(8, 4)]
    public void Shapes_follow_matrix_size_and_depth(int n, int layers)
    {
        using var model = new MlpModel(n, 32, layers, ActivationKind.Relu, seed: 1);
        using var scope = NewDisposeScope();
        var output = model.Forward(zeros(5, 2 * n * n));
        Assert.Equal([5L, n * n], output.shape);
        Assert.Equal(layers, model.GetWeights().Count);
        Assert.Equal([32L, 2L * n * n], model.GetWeights()[0].Weight.shape);
        Assert.Equal([(long)n * n, 32L], model.GetWeights()[^1].Weight.shape);
    }

    [Theory]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Gelu)]
    public void Hooks_capture_every_hidden_layer_before_and_after_activation(ActivationKind activation)
    {
        using var model = new MlpModel(2, 16, 3, activation, seed: 2);
        using var scope = NewDisposeScope();
        var x = randn(6, 8);
        using var recorder = model.RecordActivations();
        var output = model.Forward(x);

        Assert.Equal(2, recorder.LayerCount);
        var pre0 = nn.functional.linear(x, model.Layers[0].weight!, model.Layers[0].bias);
        Assert.True(recorder.PreActivations[0].allclose(pre0));
        var post0 = Apply(activation, pre0);
        Assert.True(recorder.Activations[0].allclose(post0));
        var pre1 = nn.functional.linear(post0, model.Layers[1].weight!, model.Layers[1].bias);
        Assert.True(recorder.PreActivations[1].allclose(pre1));
        var final = nn.functional.linear(Apply(activation, pre1), model.Layers[2].weight!, model.Layers[2].bias);
        Assert.True(output.allclose(final));
    }

    [Fact]
    public void Disposed_recorder_stops_recording()
    {
        using var model = new MlpModel(2, 8, 2, ActivationKind.Relu, seed: 2);
        using var scope = NewDisposeScope();
        var recorder = model.RecordActivations();
        recorder.Dispose();
        model.Forward(randn(3, 8));
        Assert.Throws<InvalidOperationException>(() => recorder.Activations);
    }

    [Fact]
    public void Same_seed_gives_same_parameters_and_init_scale_multiplies_them()
    {
        using var a = new MlpModel(2, 16, 3, ActivationKind.Relu, seed: 9);
        using var b = new MlpModel(2, 16, 3, ActivationKind.Relu, seed: 9, initScale: 8);
        using var c = new MlpModel(2, 16, 3, ActivationKind.Relu, seed: 10);
        Assert.True(a.Layers[1].weight!.mul(8).allclose(b.Layers[1].weight!));
        Assert.False(a.Layers[1].weight!.Equals(c.Layers[1].weight!));
    }

    private static Tensor Apply(ActivationKind kind, Tensor x) => kind switch
    {
        ActivationKind.Relu => nn.functional.relu(x),
        ActivationKind.Tanh => x.tanh(),
        ActivationKind.Sigmoid => x.sigmoid(),
        ActivationKind.Gelu => nn.functional.gelu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

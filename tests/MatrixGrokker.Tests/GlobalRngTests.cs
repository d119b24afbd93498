using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests;

[Collection(GlobalRngCollection.Name)]
public class GlobalRngTests
{
    [Fact]
    public void Generating_data_does_not_touch_the_global_torch_generator()
    {
        random.manual_seed(11);
        var expected = rand(4).data<float>().ToArray();
        random.manual_seed(11);
        using (new MatrixMultiplicationDataset(2, 100, 0.2, -1, 1, seed: 5))
        {
        }

        Assert.Equal(expected, rand(4).data<float>().ToArray());
    }

    [Fact]
    public void Building_a_model_does_not_touch_the_global_torch_generator()
    {
        random.manual_seed(12);
        var expected = rand(4).data<float>().ToArray();
        random.manual_seed(12);
        using (new MlpModel(2, 16, 3, ActivationKind.Relu, seed: 5))
        {
        }

        Assert.Equal(expected, rand(4).data<float>().ToArray());
    }

    [Theory]
    [InlineData(2, 256, 3)]
    [InlineData(3, 7, 4)]
    public void Model_init_is_bitwise_what_manual_seed_and_nn_Linear_give(int n, int hidden, int layers)
    {
        using var model = new MlpModel(n, hidden, layers, ActivationKind.Relu, seed: 42);
        using var scope = NewDisposeScope();
        random.manual_seed(42);
        for (var i = 0; i < layers; i++)
        {
            var reference = nn.Linear(i == 0 ? 2 * n * n : hidden, i == layers - 1 ? n * n : hidden);
            Assert.True(reference.weight!.Equals(model.Layers[i].weight!), $"layer {i} weight differs");
            Assert.True(reference.bias!.Equals(model.Layers[i].bias!), $"layer {i} bias differs");
        }
    }
}

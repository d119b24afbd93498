using MatrixGrokker.Data;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests;

public class DatasetTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Targets_are_exact_row_major_products_of_the_inputs(int n)
    {
        using var data = new MatrixMultiplicationDataset(n, 200, 0.25, -1, 1, seed: 7);
        var x = data.TrainInputs.to_type(ScalarType.Float64).data<double>().ToArray();
        var y = data.TrainTargets.data<float>().ToArray();
        var inWidth = 2 * n * n;
        for (var s = 0; s < data.TrainCount; s++)
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    double expected = 0;
                    for (var k = 0; k < n; k++)
                    {
                        expected += x[s * inWidth + i * n + k] * x[s * inWidth + n * n + k * n + j];
                    }

                    Assert.Equal((float)expected, y[s * n * n + i * n + j]);
                }
            }
        }
    }

    [Fact]
    public void Split_sizes_follow_the_ratio_and_entries_stay_in_range()
    {
        using var data = new MatrixMultiplicationDataset(2, 10_000, 0.2, -0.5, 2.0, seed: 1);
        Assert.Equal(8000, data.TrainCount);
        Assert.Equal(2000, data.ValidationCount);
        Assert.Equal([8000L, 8L], data.TrainInputs.shape);
        Assert.Equal([2000L, 4L], data.ValidationTargets.shape);
        Assert.True(data.TrainInputs.min().item<float>() >= -0.5f);
        Assert.True(data.TrainInputs.max().item<float>() < 2.0f);
    }

    [Fact]
    public void Same_seed_gives_identical_data_and_another_seed_differs()
    {
        using var a = new MatrixMultiplicationDataset(2, 500, 0.2, -1, 1, seed: 3);
        using var b = new MatrixMultiplicationDataset(2, 500, 0.2, -1, 1, seed: 3);
        using var c = new MatrixMultiplicationDataset(2, 500, 0.2, -1, 1, seed: 4);
        Assert.True(a.TrainInputs.Equals(b.TrainInputs));
        Assert.True(a.ValidationTargets.Equals(b.ValidationTargets));
        Assert.False(a.TrainInputs.Equals(c.TrainInputs));
    }

    [Fact]
    public void Invalid_arguments_are_rejected_with_their_name()
    {
        Assert.Equal("validationRatio", Assert.Throws<ArgumentOutOfRangeException>(() => new MatrixMultiplicationDataset(2, 100, 1.0, -1, 1, 1)).ParamName);
        Assert.Equal("low", Assert.Throws<ArgumentException>(() => new MatrixMultiplicationDataset(2, 100, 0.2, 1, 1, 1)).ParamName);
    }
}

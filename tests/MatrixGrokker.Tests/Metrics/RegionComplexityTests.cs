using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Metrics;

[Collection(GlobalRngCollection.Name)]
public class RegionComplexityTests
{
    private static Linear LinearWith(double[,] weight, double[] bias)
    {
        var layer = nn.Linear(weight.GetLength(1), weight.GetLength(0));
        using var noGrad = no_grad();
        layer.weight!.copy_(tensor(weight).to_type(ScalarType.Float32));
        layer.bias!.copy_(tensor(bias).to_type(ScalarType.Float32));
        return layer;
    }

    [Fact]
    public void A_network_whose_pre_activations_never_cross_zero_near_the_probe_has_zero()
    {
        // Biases of +5 keep every pre-activation far above 0 for inputs in [−1, 1]: the ReLU acts as the identity,
        // so the network is linear around every probe point.
        using var scope = NewDisposeScope();
        var first = LinearWith(new double[,] { { 1, 0.5 }, { -0.3, 1 }, { 0.2, 0.2 } }, [5, 5, 5]);
        var second = LinearWith(new double[,] { { 0.1, 0.2, 0.3 }, { -0.1, 0.1, 0 } }, [5, 5]);
        using var net = nn.Sequential(first, nn.ReLU(), second, nn.ReLU(), nn.Linear(2, 1));
        var probe = rand(30, 2, generator: new TorchSharp.torch.Generator(1)).mul(2).sub(1);
        var result = AnalyzerRunner.Run([new RegionComplexityAnalyzer()], new AnalysisInput(net, probe)).Results[0];
        Assert.Equal(0.0, result.Value);
        Assert.Equal([0.0, 0.0], result.PerLayer.Values.ToArray());

        // A network with no nonlinearity at all has no neuron boundaries: the measure over zero layers is 0.
        Assert.Equal(0.0, RegionComplexity.Measure(_ => [], probe, 0.05, 16, seed: 1).Mean);
    }

    [Fact]
    public void A_module_without_activation_modules_is_rejected_rather_than_called_linear()
    {
        using var scope = NewDisposeScope();
        using var plain = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 1));
        var ex = Assert.Throws<InvalidOperationException>(() =>
            new RegionComplexityAnalyzer().Analyze(new AnalysisInput(plain, zeros(3, 2))));
        Assert.Contains("no activation module", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hyperplane_through_the_probe_point_is_counted_and_distant_ones_are_not()
    {
        // Neuron 0: w·x + b = x0 − 0.3 is zero at the probe point (0.3, −0.6); neurons 1 and 2 are 10 away.
        using var scope = NewDisposeScope();
        var layer = LinearWith(new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } }, [-0.3, 10, -10]);
        using var net = nn.Sequential(layer, nn.ReLU(), nn.Linear(3, 1));
        var probe = tensor(new float[,] { { 0.3f, -0.6f } });
        var result = new RegionComplexityAnalyzer().Analyze(new AnalysisInput(net, probe));
        Assert.Equal(1.0, result.Value);
        Assert.Equal(1.0 / 3, result.PerLayer["hidden.0"], 1e-12);
        Assert.Equal(4.0, result.Extra["vertices"]); // 50 requested, capped at the full cross-polytope of 2 inputs

        // Far from the hyperplane (distance 0.4 > r = 0.05) nothing crosses.
        var far = new RegionComplexityAnalyzer().Analyze(new AnalysisInput(net, tensor(new float[,] { { 0.7f, -0.6f } })));
        Assert.Equal(0.0, far.Value);
    }

    [Fact]
    public void Counts_grow_with_the_radius_as_hyperplanes_come_into_reach()
    {
        // Hyperplanes x0 = 0.3 + 0.02·j for j = 1..5; with the full cross-polytope (±r along each axis) neuron j is
        // counted exactly when 0.02·j < r.
        using var scope = NewDisposeScope();
        var weight = new double[5, 2];
        var bias = new double[5];
        for (var j = 0; j < 5; j++)
        {
            weight[j, 0] = 1;
            bias[j] = -(0.3 + 0.02 * (j + 1));
        }

        using var layer = LinearWith(weight, bias);
        var probe = tensor(new float[,] { { 0.3f, 0.1f } });
        double CountAt(double r) => RegionComplexity.Measure(x => [layer.call(x)], probe, r, 4, seed: 1).Mean;

        // A random rotation of the axes changes the reach along x0 to r·max|v·e0| ≥ r/√2, so test bounds that hold for any frame.
        Assert.Equal(0.0, CountAt(0.01));
        Assert.Equal(5.0, CountAt(0.2));
        Assert.InRange(CountAt(0.07), 2.0, 3.0);
    }

    [Fact]
    public void Directions_come_from_the_analyzers_own_generator()
    {
        using var scope = NewDisposeScope();
        using var net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 1));
        var probe = randn(40, 4, generator: new TorchSharp.torch.Generator(9));
        var options = new RegionComplexityOptions { Radius = 0.3 };
        random.manual_seed(5);
        var first = new RegionComplexityAnalyzer(options).Analyze(new AnalysisInput(net, probe)).Value;
        var afterFirst = rand(3).data<float>().ToArray();
        random.manual_seed(5);
        var expected = rand(3).data<float>().ToArray();
        random.manual_seed(123);
        var second = new RegionComplexityAnalyzer(options).Analyze(new AnalysisInput(net, probe)).Value;

        Assert.Equal(expected, afterFirst);
        Assert.Equal(first, second);
        Assert.True(first > 0);
    }

    [Fact]
    public void Odd_vertex_counts_are_rejected()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new RegionComplexityAnalyzer(new RegionComplexityOptions { Vertices = 7 }));
        Assert.Contains("Vertices", ex.Message, StringComparison.Ordinal);
    }
}

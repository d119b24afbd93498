using MatrixGrokker.Options;
using Microsoft.Extensions.Options;

namespace MatrixGrokker.Tests;

public class OptionsTests
{
    [Fact]
    public void Defaults_are_the_original_projects_config_and_valid()
    {
        var o = new MatrixGrokkerOptions();
        OptionsGuard.ThrowIfInvalid(o);
        Assert.Equal((42, 2, 256, 3, ActivationKind.Relu), (o.Training.Seed, o.Model.MatrixSize, o.Model.HiddenDim, o.Model.NumLayers, o.Model.Activation));
        Assert.Equal((1000, 128, 1e-3, 0.01), (o.Training.Epochs, o.Training.BatchSize, o.Training.LearningRate, o.Training.WeightDecay));
        Assert.Equal((0.5, 0.5, 200), (o.Metrics.LcThreshold, o.Metrics.SpThreshold, o.Metrics.IntervalSteps));
        Assert.Equal(TimeSpan.FromMinutes(5), o.Checkpoint.Interval);
        Assert.Equal([4, 8], o.Transfer.ExpansionSizes);
        Assert.Equal((10_000, 0.2, -1.0, 1.0), (o.Data.Samples, o.Data.ValidationRatio, o.Data.RangeLow, o.Data.RangeHigh));
        Assert.True(o.Checkpoint.Resume);
        Assert.False(o.Checkpoint.ForceFresh);
    }

    public static TheoryData<string, Action<MatrixGrokkerOptions>> InvalidOptions => new()
    {
        { "MatrixSize", o => o.Model.MatrixSize = 0 },
        { "HiddenDim", o => o.Model.HiddenDim = 0 },
        { "NumLayers", o => o.Model.NumLayers = 1 },
        { "Activation", o => o.Model.Activation = (ActivationKind)42 },
        { "InitScale", o => o.Model.InitScale = 0 },
        { "ValidationRatio", o => o.Data.ValidationRatio = 1.0 },
        { "ValidationRatio", o => o.Data.ValidationRatio = 0.0 },
        { "Samples", o => o.Data.Samples = 1 },
        { "RangeLow", o => o.Data.RangeLow = 1.0 },
        { "Epochs", o => o.Training.Epochs = 0 },
        { "BatchSize", o => o.Training.BatchSize = 0 },
        { "LearningRate", o => o.Training.LearningRate = double.NaN },
        { "LearningRate", o => o.Training.LearningRate = -1e-3 },
        { "LearningRate", o => o.Training.LearningRate = 0 },
        { "WeightDecay", o => o.Training.WeightDecay = -0.1 },
        { "StopAccuracy", o => o.Training.StopAccuracy = 1.5 },
        { "IntervalSteps", o => o.Metrics.IntervalSteps = 0 },
        { "ProbeSize", o => o.Metrics.ProbeSize = 1 },
        { "KeepLast", o => o.Checkpoint.KeepLast = 0 },
        { "ExpansionSizes", o => o.Transfer.ExpansionSizes = [] },
        { "EvaluationSamples", o => o.Transfer.EvaluationSamples = 1 },
        { "ExpansionSizes", o => o.Transfer.ExpansionSizes = [4, 65] },
        { "EvaluationSamples", o => (o.Transfer.EvaluationSamples, o.Transfer.ExpansionSizes) = (10_000_000, [64]) },
        { "Model", o => o.Model = null! },
        { "Transfer", o => o.Transfer = null! },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Each_invalid_value_is_rejected_naming_its_field(string field, Action<MatrixGrokkerOptions> breakIt)
    {
        var options = new MatrixGrokkerOptions();
        breakIt(options);
        var ex = Assert.Throws<OptionsValidationException>(() => OptionsGuard.ThrowIfInvalid(options));
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Single(ex.Failures);
    }

    [Fact]
    public void Range_failures_state_the_allowed_range()
    {
        var options = new MatrixGrokkerOptions();
        options.Model.HiddenDim = -3;
        var ex = Assert.Throws<OptionsValidationException>(() => OptionsGuard.ThrowIfInvalid(options));
        Assert.Contains("between 1 and 65536", ex.Message, StringComparison.Ordinal);
    }
}

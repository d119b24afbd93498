using MatrixGrokker.Models;
using static TorchSharp.torch;

namespace MatrixGrokker.Training;

/// <summary>Loss and accuracy of a model on labelled data, under <c>no_grad</c>, in eval mode and in its own dispose scope.</summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="model"/> on (<paramref name="inputs"/>, <paramref name="targets"/>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="inputs">[samples, in].</param>
    /// <param name="targets">[samples, out].</param>
    /// <param name="tolerance">A sample is correct when every output is within this of its target.</param>
    /// <param name="batchSize">Rows per forward pass (bounds memory).</param>
    public static EvaluationResult Evaluate(IModel model, Tensor inputs, Tensor targets, double tolerance, int batchSize = 8192)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);

        // Evaluation mode for modules whose forward differs in training (dropout, normalisation); restored after.
        using var evalMode = new EvalModeScope(model.Module);
        return Evaluate(model.Forward, inputs, targets, tolerance, batchSize);
    }

    /// <summary>Evaluates any batch function on labelled data.</summary>
    /// <param name="forward">Maps [batch, in] to [batch, out].</param>
    /// <param name="inputs">[samples, in].</param>
    /// <param name="targets">[samples, out].</param>
    /// <param name="tolerance">A sample is correct when every output is within this of its target.</param>
    /// <param name="batchSize">Rows per forward pass.</param>
    public static EvaluationResult Evaluate(Func<Tensor, Tensor> forward, Tensor inputs, Tensor targets, double tolerance, int batchSize = 8192)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var samples = (int)inputs.shape[0];
        if (samples == 0)
        {
            return new EvaluationResult(double.NaN, double.NaN, double.NaN, 0);
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var squared = zeros(1, ScalarType.Float64);
        var correct = zeros(1, ScalarType.Int64);
        var correctElements = zeros(1, ScalarType.Int64);
        for (var start = 0; start < samples; start += batchSize)
        {
            var len = Math.Min(batchSize, samples - start);
            var prediction = forward(inputs.narrow(0, start, len));
            var diff = prediction - targets.narrow(0, start, len);
            squared.add_(diff.square().sum().to_type(ScalarType.Float64));
            var within = diff.abs() < tolerance;
            correct.add_(within.all(1).sum());
            correctElements.add_(within.sum());
        }

        var elements = (double)samples * targets.shape[1];
        return new EvaluationResult(
            squared.item<double>() / elements,
            correct.item<long>() / (double)samples,
            correctElements.item<long>() / elements,
            samples);
    }
}

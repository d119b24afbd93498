using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Models;

/// <summary>
/// A network that maps a flattened matrix pair <c>[vec(A) | vec(B)]</c> (row-major) to <c>vec(A·B)</c>.
/// Implementations are TorchSharp modules; <see cref="Module"/> exposes that module to optimizers and savers.
/// </summary>
public interface IModel : IDisposable
{
    /// <summary>n of the n×n matrices this model multiplies.</summary>
    int MatrixSize { get; }

    /// <summary>Input width, 2n² for matrix pairs.</summary>
    int InputSize { get; }

    /// <summary>Output width, n².</summary>
    int OutputSize { get; }

    /// <summary>The underlying TorchSharp module (for parameters, state dicts, train/eval mode).</summary>
    nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>Runs the model through <c>call</c>, so that forward hooks fire.</summary>
    /// <param name="input">A batch of shape [batch, <see cref="InputSize"/>].</param>
    Tensor Forward(Tensor input);

    /// <summary>The weight matrices that define the model's linear maps, in forward order.</summary>
    IReadOnlyList<NamedWeight> GetWeights();

    /// <summary>
    /// Starts recording every hidden layer's activations during <see cref="Forward"/> calls until the returned
    /// recorder is disposed. Recorded tensors belong to the dispose scope that was current during the forward pass.
    /// </summary>
    ActivationRecorder RecordActivations();
}

/// <summary>A named weight matrix of a model (a view of the live parameter, not a copy).</summary>
/// <param name="Name">Parameter name, e.g. <c>layers.0.weight</c>.</param>
/// <param name="Weight">The 2-D weight tensor [out, in].</param>
public sealed record NamedWeight(string Name, Tensor Weight);

using static TorchSharp.torch;

namespace MatrixGrokker.Transfer;

/// <summary>
/// Multiplies n×n matrices with what a model learned on small matrices, with no further training.
/// Every strategy is evaluated the same way (see the transfer evaluator).
/// </summary>
public interface ITransferStrategy
{
    /// <summary>Short name used in reports (e.g. <c>weight-embedding</c>, <c>block-composition</c>).</summary>
    string Name { get; }

    /// <summary>True when the strategy can multiply n×n matrices.</summary>
    /// <param name="n">Matrix size.</param>
    bool Supports(int n);

    /// <summary>
    /// Computes the products of a batch of pairs. Inputs are [count, n, n] float32; the result is [count, n, n] in the
    /// caller's dispose scope. Callers invoke it under <c>no_grad</c>.
    /// </summary>
    /// <param name="a">Left factors.</param>
    /// <param name="b">Right factors.</param>
    Tensor Multiply(Tensor a, Tensor b);
}

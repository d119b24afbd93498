using MatrixGrokker.Models;
using MatrixGrokker.Strassen;
using static TorchSharp.torch;

namespace MatrixGrokker.Transfer;

/// <summary>
/// Transfer by recursion: multiplies n×n matrices with a learned n₀×n₀ bilinear rule applied to blocks at every level
/// (<see cref="BilinearRecursion"/>), zero-padding n up to a power of n₀. With a verified integer rule the result is
/// exact up to float64 rounding; with continuous learned coefficients the rule's own error compounds over the levels.
/// </summary>
public sealed class BilinearRecursionStrategy : ITransferStrategy
{
    /// <summary>Creates the strategy for a rule.</summary>
    /// <param name="algorithm">The learned rule, integer or continuous.</param>
    public BilinearRecursionStrategy(BilinearAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        Algorithm = algorithm;
    }

    /// <summary>The rule applied at every level.</summary>
    public BilinearAlgorithm Algorithm { get; }

    /// <inheritdoc />
    public string Name => "bilinear-recursion";

    /// <summary>The strategy for a trained model's current (continuous) coefficients.</summary>
    /// <param name="model">The model.</param>
    public static BilinearRecursionStrategy FromModel(BilinearModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new BilinearRecursionStrategy(model.ToAlgorithm());
    }

    /// <inheritdoc />
    public bool Supports(int n) => n == 1 || (n > 1 && Algorithm.BlockSize > 1); // a 1×1 rule has no blocks to recurse on

    /// <inheritdoc />
    public Tensor Multiply(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.is_floating_point() || !b.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point matrices; got {a.dtype} and {b.dtype}.", nameof(a));
        }

        using var scope = NewDisposeScope();
        return BilinearRecursion.Multiply(Algorithm, a, b).to_type(a.dtype).MoveToOuterDisposeScope();
    }
}

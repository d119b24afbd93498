using static TorchSharp.torch;

namespace MatrixGrokker.Transfer;

internal static class TransferShapes
{
    // Validates a batch of square pairs and returns (count, n).
    public static (int Count, int N) CheckPair(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.dim() != 3 || a.shape[1] != a.shape[2])
        {
            throw new ArgumentException($"Left factors must be [count, n, n]; got [{string.Join(", ", a.shape)}].", nameof(a));
        }

        if (!a.shape.SequenceEqual(b.shape))
        {
            throw new ArgumentException(
                $"Left and right factors must have the same shape; got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].",
                nameof(b));
        }

        return ((int)a.shape[0], (int)a.shape[1]);
    }
}

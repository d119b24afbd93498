using MathNet.Numerics.LinearAlgebra;
using MatrixGrokker.Runtime;
using static TorchSharp.torch;

namespace MatrixGrokker.Metrics;

/// <summary>Computes the singular values of a matrix. Implementations must not change the matrix.</summary>
public interface ISvdBackend
{
    /// <summary>Short name for logs and reports (e.g. <c>torch</c>, <c>mathnet</c>).</summary>
    string Name { get; }

    /// <summary>All min(rows, columns) singular values of a 2-D tensor, in descending order.</summary>
    /// <param name="matrix">A 2-D tensor with at least one row and one column.</param>
    double[] SingularValues(Tensor matrix);
}

/// <summary>Which built-in <see cref="ISvdBackend"/> to use.</summary>
public enum SvdBackendKind
{
    /// <summary><see cref="TorchSvdBackend"/>: LibTorch's <c>linalg.svdvals</c> in the tensor's precision (fast).</summary>
    Torch,

    /// <summary><see cref="MathNetSvdBackend"/>: MathNet.Numerics' managed SVD in double precision.</summary>
    MathNet,
}

/// <summary>Singular values with LibTorch's <c>torch.linalg.svdvals</c>, in the tensor's own dtype.</summary>
public sealed class TorchSvdBackend : ISvdBackend
{
    /// <summary>Creates the backend.</summary>
    public TorchSvdBackend() => TorchRuntime.EnsureAvailable();

    /// <inheritdoc />
    public string Name => "torch";

    /// <inheritdoc />
    public double[] SingularValues(Tensor matrix)
    {
        SvdInput.Check(matrix);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var values = linalg.svdvals(matrix.detach()).to_type(ScalarType.Float64).cpu();
        return values.data<double>().ToArray();
    }
}

/// <summary>
/// Singular values with MathNet.Numerics' managed SVD (<c>Svd(computeVectors: false)</c>) in double precision.
/// Slower than <see cref="TorchSvdBackend"/>, but independent of LibTorch; useful as a reference.
/// </summary>
public sealed class MathNetSvdBackend : ISvdBackend
{
    /// <inheritdoc />
    public string Name => "mathnet";

    /// <inheritdoc />
    public double[] SingularValues(Tensor matrix)
    {
        SvdInput.Check(matrix);
        var rows = (int)matrix.shape[0];
        var columns = (int)matrix.shape[1];
        double[] rowMajor;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            rowMajor = matrix.detach().to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        }

        // Row-major W read as column-major storage is Wᵀ, which has the same singular values: no copy needed.
        var transposed = Matrix<double>.Build.Dense(columns, rows, rowMajor);
        var values = transposed.Svd(computeVectors: false).S.ToArray();
        Array.Sort(values, static (a, b) => b.CompareTo(a));
        return values;
    }
}

/// <summary>Creates the built-in SVD backends.</summary>
public static class SvdBackends
{
    /// <summary>The backend of the given kind.</summary>
    /// <param name="kind">Which backend.</param>
    public static ISvdBackend Create(SvdBackendKind kind) => kind switch
    {
        SvdBackendKind.Torch => new TorchSvdBackend(),
        SvdBackendKind.MathNet => new MathNetSvdBackend(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown SVD backend."),
    };
}

internal static class SvdInput
{
    public static void Check(Tensor matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.dim() != 2 || matrix.shape[0] < 1 || matrix.shape[1] < 1)
        {
            throw new ArgumentException(
                $"Singular values need a 2-D matrix with at least one row and column; got shape [{string.Join(", ", matrix.shape)}].",
                nameof(matrix));
        }
    }
}

using MatrixGrokker.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Transfer;

// An oracle "trained model": computes m×m products exactly, and counts forward passes and rows.
internal sealed class ExactProductModel : nn.Module<Tensor, Tensor>, IModel
{
    public ExactProductModel(int m = 2)
        : base(nameof(ExactProductModel))
    {
        MatrixSize = m;
    }

    public int MatrixSize { get; }

    public int InputSize => 2 * MatrixSize * MatrixSize;

    public int OutputSize => MatrixSize * MatrixSize;

    public int Calls { get; private set; }

    public long Rows { get; private set; }

    nn.Module<Tensor, Tensor> IModel.Module => this;

    public override Tensor forward(Tensor input)
    {
        Calls++;
        Rows += input.shape[0];
        var m = MatrixSize;
        var a = input.narrow(1, 0, m * m).reshape(-1, m, m).to_type(ScalarType.Float64);
        var b = input.narrow(1, m * m, m * m).reshape(-1, m, m).to_type(ScalarType.Float64);
        return matmul(a, b).reshape(-1, m * m).to_type(ScalarType.Float32);
    }

    public Tensor Forward(Tensor input) => call(input);

    public IReadOnlyList<NamedWeight> GetWeights() => [];

    public ActivationRecorder RecordActivations() => throw new NotSupportedException();
}

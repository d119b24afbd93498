using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Benchmarks;

/// <summary>The default model and data of the training benchmarks: 8→256→256→4, batch 128, 8000 training pairs.</summary>
internal static class StepWorkload
{
    public const int BatchSize = 128;
    public const int TrainSamples = 8000;

    // 62.5 batches: 62 full and one of 64 rows.
    public static int StepsPerEpoch => (TrainSamples + BatchSize - 1) / BatchSize;

    public static MatrixGrokkerOptions Options(int epochs)
    {
        var options = new MatrixGrokkerOptions();
        options.Training.Epochs = epochs;
        options.Training.BatchSize = BatchSize;
        options.Training.StopAccuracy = 1.0;
        return options;
    }

    // 8000 training pairs and, by default, 2 validation pairs: the trainer's per-epoch validation then costs
    // nothing, so the trainer and the hand-written loop do the same work per epoch (shuffle once, then 63 steps).
    public static MatrixMultiplicationDataset Data(int validation = 2) =>
        new(2, TrainSamples + validation, validation / (double)(TrainSamples + validation), -1, 1, 42);

    public static MlpModel Model(MatrixGrokkerOptions options) => new(options.Model, options.Training.Seed);

    /// <summary>Matrix-multiply FLOPs of one step: forward, weight gradients, and input gradients except layer 0's.</summary>
    public static double StepFlops(IReadOnlyList<(int In, int Out)> layers, int batch)
    {
        double flops = 0;
        for (var i = 0; i < layers.Count; i++)
        {
            var mac = (double)batch * layers[i].In * layers[i].Out;
            flops += 2 * mac * (i == 0 ? 2 : 3);
        }

        return flops;
    }

    public static (int In, int Out)[] Layers(MlpModel model) =>
        model.Layers.Select(l => ((int)l.weight!.shape[1], (int)l.weight!.shape[0])).ToArray();
}

/// <summary>
/// The step's matrix products alone, at the step's shapes, on preallocated operands: forward <c>X·Wᵀ</c>,
/// weight gradients <c>Gᵀ·X</c>, input gradients <c>G·W</c> (not for the first layer, whose input needs none).
/// </summary>
internal sealed class GemmFloor : IDisposable
{
    private readonly List<(Tensor X, Tensor W, Tensor G, bool InputGrad)> _operands = [];

    public GemmFloor(IReadOnlyList<(int In, int Out)> layers, int batch)
    {
        for (var i = 0; i < layers.Count; i++)
        {
            var (fanIn, fanOut) = layers[i];
            _operands.Add((randn(batch, fanIn), randn(fanOut, fanIn), randn(batch, fanOut), i > 0));
        }
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        foreach (var (x, w, g, inputGrad) in _operands)
        {
            matmul(x, w.t());
            matmul(g.t(), x);
            if (inputGrad)
            {
                matmul(g, w);
            }
        }
    }

    public void Dispose()
    {
        foreach (var (x, w, g, _) in _operands)
        {
            x.Dispose();
            w.Dispose();
            g.Dispose();
        }
    }
}

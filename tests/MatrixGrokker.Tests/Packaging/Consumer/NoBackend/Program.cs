using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Runtime;

try
{
    using var model = new MlpModel(matrixSize: 2, hiddenDim: 8, numLayers: 2, ActivationKind.Relu, seed: 1);
    Console.WriteLine("LOADED");
}
catch (TorchNativeLoadException e)
{
    Console.WriteLine($"FAILURE={e.Failure}");
    Console.WriteLine($"MESSAGE={e.Message}");
}

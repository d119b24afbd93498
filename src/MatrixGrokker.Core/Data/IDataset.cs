using static TorchSharp.torch;

namespace MatrixGrokker.Data;

/// <summary>
/// Supervised pairs held as whole tensors, already split into training and validation sets.
/// Rows of the input tensors are samples; the dataset owns its tensors and frees them on dispose.
/// </summary>
public interface IDataset : IDisposable
{
    /// <summary>Width of one input row.</summary>
    int InputSize { get; }

    /// <summary>Width of one target row.</summary>
    int OutputSize { get; }

    /// <summary>Training inputs [trainCount, InputSize].</summary>
    Tensor TrainInputs { get; }

    /// <summary>Training targets [trainCount, OutputSize].</summary>
    Tensor TrainTargets { get; }

    /// <summary>Validation inputs [validationCount, InputSize].</summary>
    Tensor ValidationInputs { get; }

    /// <summary>Validation targets [validationCount, OutputSize].</summary>
    Tensor ValidationTargets { get; }

    /// <summary>Number of training rows.</summary>
    int TrainCount { get; }

    /// <summary>Number of validation rows.</summary>
    int ValidationCount { get; }
}

using MatrixGrokker.Options;

namespace MatrixGrokker.Training;

/// <summary>
/// Creates ready-to-run training sessions (dataset, model and <see cref="Trainer"/>) from options. Registered by
/// <c>services.AddMatrixGrokker(configuration)</c>; each session gets the analyzers, regulariser and callbacks
/// registered in the container. Sessions are not checkpointed: to save and resume, construct the
/// <see cref="Trainer"/> with a <see cref="Checkpoints.CheckpointManager"/> yourself.
/// </summary>
public interface ITrainerFactory
{
    /// <summary>Creates a session from the configured (validated) options.</summary>
    /// <param name="callbacks">Callbacks for this session only, run after the ones registered in the container.</param>
    TrainingSession Create(IEnumerable<ITrainerCallback>? callbacks = null);

    /// <summary>Creates a session from explicit options, e.g. a modified copy of the configured ones.</summary>
    /// <param name="options">Run settings; <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> when invalid.</param>
    /// <param name="callbacks">Callbacks for this session only, run after the ones registered in the container.</param>
    TrainingSession Create(MatrixGrokkerOptions options, IEnumerable<ITrainerCallback>? callbacks = null);
}

using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;

namespace MatrixGrokker.Training;

/// <summary>
/// One run created by <see cref="ITrainerFactory"/>: the dataset, the model and the trainer wired together.
/// The session owns all three and disposes them together.
/// </summary>
public sealed class TrainingSession : IDisposable
{
    internal TrainingSession(MatrixGrokkerOptions options, IDataset data, IModel model, Trainer trainer)
    {
        Options = options;
        Data = data;
        Model = model;
        Trainer = trainer;
    }

    /// <summary>The options the session was built from.</summary>
    public MatrixGrokkerOptions Options { get; }

    /// <summary>Training and validation data.</summary>
    public IDataset Data { get; }

    /// <summary>The model being trained.</summary>
    public IModel Model { get; }

    /// <summary>The trainer; add callbacks through <see cref="Trainer.Callbacks"/> before training.</summary>
    public Trainer Trainer { get; }

    /// <summary>Trains; same as <see cref="Trainer.Train"/>.</summary>
    /// <param name="cancellationToken">Stops training after the current step.</param>
    /// <param name="progress">Receives one report per epoch.</param>
    public TrainingResult Train(CancellationToken cancellationToken = default, IProgress<TrainingProgress>? progress = null)
        => Trainer.Train(cancellationToken, progress);

    /// <inheritdoc />
    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
        Data.Dispose();
    }
}

using MatrixGrokker.Analysis;
using MatrixGrokker.Data;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using MatrixGrokker.Regularization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MatrixGrokker.Training;

// Resolves per-run services at Create time: regularisers carry state (e.g. the thermal engine's temperature), so
// every session needs its own, which is why IRegularizer is expected to be registered as transient.
internal sealed class TrainerFactory(IServiceProvider services, IOptions<MatrixGrokkerOptions> options) : ITrainerFactory
{
    public TrainingSession Create(IEnumerable<ITrainerCallback>? callbacks = null) => Create(options.Value, callbacks);

    public TrainingSession Create(MatrixGrokkerOptions options, IEnumerable<ITrainerCallback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsGuard.ThrowIfInvalid(options);

        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var analyzers = services.GetServices<IAnalyzer>().ToArray();
        var regularizer = services.GetService<IRegularizer>();
        var allCallbacks = services.GetServices<ITrainerCallback>().Concat(callbacks ?? []).ToArray();

        IDataset? data = null;
        IModel? model = null;
        try
        {
            var seed = options.Training.Seed;
            data = new MatrixMultiplicationDataset(options.Data, options.Model.MatrixSize, seed);
            model = new MlpModel(options.Model, seed);
            var trainer = new Trainer(model, data, options, regularizer, analyzers, allCallbacks, loggerFactory.CreateLogger<Trainer>());
            FactoryLog.SessionCreated(
                loggerFactory.CreateLogger<TrainerFactory>(), options.Model.MatrixSize, options.Model.HiddenDim, options.Model.NumLayers,
                analyzers.Length, regularizer?.Name ?? "constant", allCallbacks.Length);
            return new TrainingSession(options, data, model, trainer);
        }
        catch
        {
            model?.Dispose();
            data?.Dispose();
            throw;
        }
    }
}

internal static partial class FactoryLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Created training session: {MatrixSize}x{MatrixSize} matrices, hidden {HiddenDim}, {NumLayers} layers, {Analyzers} analyzers, regulariser {Regularizer}, {Callbacks} callbacks")]
    public static partial void SessionCreated(ILogger logger, int matrixSize, int hiddenDim, int numLayers, int analyzers, string regularizer, int callbacks);
}

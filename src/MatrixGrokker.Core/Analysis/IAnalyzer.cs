using MatrixGrokker.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Analysis;

/// <summary>
/// Reads a model (and, for activation metrics, a probe batch) and returns named values. Implementations must not
/// change the model's parameters, its training mode, or any random stream used by training.
/// </summary>
public interface IAnalyzer
{
    /// <summary>Short unique name, used as the key prefix of the values (e.g. <c>lc</c>, <c>sp</c>).</summary>
    string Name { get; }

    /// <summary>Computes the metric. Callers run this inside a dispose scope and under <c>no_grad</c>.</summary>
    /// <param name="input">What to analyse.</param>
    AnalyzerResult Analyze(AnalysisInput input);

    /// <summary>
    /// Checks before training that this analyzer can analyse <paramref name="model"/> (e.g. that selected layers
    /// exist), so a bad setting fails when the trainer is built rather than at the first analysis. The default checks
    /// nothing.
    /// </summary>
    /// <param name="model">The model the trainer will train.</param>
    /// <exception cref="ArgumentException">The analyzer's settings do not fit the model.</exception>
    void EnsureApplicable(IModel model)
    {
    }
}

/// <summary>What an analyzer reads.</summary>
/// <param name="Module">Any TorchSharp module mapping a batch to outputs.</param>
/// <param name="Probe">Probe batch [samples, features] for activation metrics.</param>
/// <param name="Model">The same module as an <see cref="IModel"/>, when it is one (gives named weights and hooks).</param>
public sealed record AnalysisInput(nn.Module<Tensor, Tensor> Module, Tensor Probe, IModel? Model = null)
{
    /// <summary>Analysis input for a library model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="probe">Probe batch.</param>
    public static AnalysisInput For(IModel model, Tensor probe)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new AnalysisInput(model.Module, probe, model);
    }
}

/// <summary>One analyzer's output: a headline value, per-layer values and extra named values.</summary>
/// <param name="Name">The analyzer's name.</param>
/// <param name="Value">Headline scalar.</param>
/// <param name="PerLayer">Per-layer values in layer order, keyed by layer name.</param>
/// <param name="Extra">Other named scalars (e.g. <c>effective_rank</c>, <c>weight_norm</c>).</param>
/// <param name="Duration">Wall time of the computation.</param>
public sealed record AnalyzerResult(
    string Name,
    double Value,
    IReadOnlyDictionary<string, double> PerLayer,
    IReadOnlyDictionary<string, double> Extra,
    TimeSpan Duration);

/// <summary>The results of all analyzers at one point of training.</summary>
/// <param name="GlobalStep">Optimizer steps completed when the analyzers ran.</param>
/// <param name="Epoch">Epoch (1-based) during or after which they ran.</param>
/// <param name="Trigger">Why they ran.</param>
/// <param name="Results">One result per analyzer, in registration order.</param>
public sealed record AnalysisReport(long GlobalStep, int Epoch, AnalysisTrigger Trigger, IReadOnlyList<AnalyzerResult> Results)
{
    /// <summary>Total wall time of all analyzers.</summary>
    public TimeSpan Duration => TimeSpan.FromTicks(Results.Sum(r => r.Duration.Ticks));

    /// <summary>The headline value of the analyzer named <paramref name="name"/>, or null.</summary>
    /// <param name="name">Analyzer name.</param>
    public double? Get(string name) => Results.FirstOrDefault(r => r.Name == name)?.Value;

    /// <summary>All values flattened: <c>name</c>, <c>name.layer</c>, <c>name.extra</c>.</summary>
    public IReadOnlyDictionary<string, double> Flatten() => FlatAnalysisValues.From(Results);
}

/// <summary>Why analyzers ran.</summary>
public enum AnalysisTrigger
{
    /// <summary>The global step reached a multiple of the metrics interval.</summary>
    Interval,
    /// <summary>An epoch ended and epoch-end analysis is on.</summary>
    EpochEnd,
    /// <summary>Training ended.</summary>
    Final,
    /// <summary>Called directly.</summary>
    Manual,
}

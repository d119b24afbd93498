using System.Diagnostics;
using MatrixGrokker.Models;
using static TorchSharp.torch;

namespace MatrixGrokker.Analysis;

/// <summary>Runs analyzers safely: one dispose scope, <c>no_grad</c>, eval mode restored, each run timed.</summary>
public static class AnalyzerRunner
{
    /// <summary>Runs every analyzer on <paramref name="model"/> with <paramref name="probe"/>.</summary>
    /// <param name="analyzers">Analyzers, in report order.</param>
    /// <param name="model">The model to read.</param>
    /// <param name="probe">Probe batch.</param>
    /// <param name="globalStep">Step recorded in the report.</param>
    /// <param name="epoch">Epoch recorded in the report.</param>
    /// <param name="trigger">Why they run.</param>
    public static AnalysisReport Run(IReadOnlyList<IAnalyzer> analyzers, IModel model, Tensor probe, long globalStep = 0, int epoch = 0, AnalysisTrigger trigger = AnalysisTrigger.Manual)
    {
        ArgumentNullException.ThrowIfNull(analyzers);
        ArgumentNullException.ThrowIfNull(model);
        return Run(analyzers, AnalysisInput.For(model, probe), globalStep, epoch, trigger);
    }

    /// <summary>Runs every analyzer on an arbitrary input.</summary>
    /// <param name="analyzers">Analyzers, in report order.</param>
    /// <param name="input">What to analyse.</param>
    /// <param name="globalStep">Step recorded in the report.</param>
    /// <param name="epoch">Epoch recorded in the report.</param>
    /// <param name="trigger">Why they run.</param>
    public static AnalysisReport Run(IReadOnlyList<IAnalyzer> analyzers, AnalysisInput input, long globalStep = 0, int epoch = 0, AnalysisTrigger trigger = AnalysisTrigger.Manual)
    {
        ArgumentNullException.ThrowIfNull(analyzers);
        ArgumentNullException.ThrowIfNull(input);
        var results = new AnalyzerResult[analyzers.Count];
        using (new EvalModeScope(input.Module))
        using (no_grad())
        {
            for (var i = 0; i < analyzers.Count; i++)
            {
                using var scope = NewDisposeScope();
                var start = Stopwatch.GetTimestamp();
                var result = analyzers[i].Analyze(input);
                results[i] = result with { Duration = Stopwatch.GetElapsedTime(start) };
            }
        }

        return new AnalysisReport(globalStep, epoch, trigger, results);
    }
}

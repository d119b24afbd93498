using System.Diagnostics;
using System.Globalization;
using MatrixGrokker.Analysis;
using MatrixGrokker.Models;
using static TorchSharp.torch;

namespace MatrixGrokker.Metrics;

/// <summary>
/// Cosine local complexity (the original project's form, see <see cref="LocalComplexity"/>) of the probe batch's
/// activations. The headline value is LC of the selected activations concatenated per sample (as the seed did);
/// per-layer values are LC of each selected tensor alone (<c>input</c>, <c>hidden.0</c>, …); extra <c>mean_cosine</c>
/// is m of the concatenation. Activations come from <see cref="Models.IModel.RecordActivations"/> or, for any other
/// module, from hooks on its activation modules (ReLU, Tanh, Sigmoid, GELU, …) in call order.
/// </summary>
public sealed class LocalComplexityAnalyzer : IAnalyzer
{
    /// <summary>Creates the analyzer.</summary>
    /// <param name="options">Layer selection and epsilon; default all hidden layers.</param>
    public LocalComplexityAnalyzer(LocalComplexityOptions? options = null)
    {
        Options = options ?? new LocalComplexityOptions();
        OptionsCheck.ThrowIfInvalid(new LocalComplexityOptionsValidator(), Options);
    }

    /// <inheritdoc />
    public string Name => "lc";

    /// <summary>The settings in use.</summary>
    public LocalComplexityOptions Options { get; }

    /// <inheritdoc />
    public AnalyzerResult Analyze(AnalysisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var start = Stopwatch.GetTimestamp();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var layers = ActivationCapture.Run(input, input.Probe);
        return Build(layers.Select(l => l.Activation).ToArray(), input.Probe, start);
    }

    /// <summary>
    /// The same result from activations the caller recorded: <paramref name="hiddenActivations"/> are the hidden
    /// post-activations in forward order, <paramref name="input"/> the raw batch (needed by selections that include it).
    /// </summary>
    /// <param name="hiddenActivations">[samples, width] per hidden layer.</param>
    /// <param name="input">The batch that produced them.</param>
    public AnalyzerResult AnalyzeActivations(IReadOnlyList<Tensor> hiddenActivations, Tensor? input = null)
    {
        ArgumentNullException.ThrowIfNull(hiddenActivations);
        using var scope = NewDisposeScope();
        return Build(hiddenActivations, input, Stopwatch.GetTimestamp());
    }

    private AnalyzerResult Build(IReadOnlyList<Tensor> hidden, Tensor? input, long start)
    {
        var selected = Select(hidden, input);
        var perLayer = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, tensor) in selected)
        {
            perLayer[name] = LocalComplexity.Cosine(tensor, Options.Epsilon);
        }

        var m = LocalComplexity.MeanCosine(selected.Select(s => s.Tensor).ToArray(), Options.Epsilon);
        var extra = new Dictionary<string, double>(StringComparer.Ordinal) { ["mean_cosine"] = m };
        return new AnalyzerResult(Name, LocalComplexity.FromMeanCosine(m), perLayer, extra, Stopwatch.GetElapsedTime(start));
    }

    /// <inheritdoc />
    public void EnsureApplicable(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Options.Layers != LayerSelection.Custom)
        {
            return;
        }

        using var recorder = model.RecordActivations();
        var missing = Options.HiddenLayers.Where(i => i >= recorder.LayerCount).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException(
                $"Analyzers:LocalComplexity:HiddenLayers selects hidden layer(s) {string.Join(", ", missing)}, but the model has {recorder.LayerCount} (0 to {recorder.LayerCount - 1}).",
                nameof(model));
        }
    }

    private List<(string Name, Tensor Tensor)> Select(IReadOnlyList<Tensor> hidden, Tensor? input)
    {
        var (includeInput, indices) = Options.Layers switch
        {
            LayerSelection.AllHidden => (false, Enumerable.Range(0, hidden.Count).ToArray()),
            LayerSelection.Seed => (true, Enumerable.Range(0, Math.Max(0, hidden.Count - 1)).ToArray()),
            LayerSelection.Custom => (Options.IncludeInput, Options.HiddenLayers.ToArray()),
            _ => throw new InvalidOperationException($"Unknown layer selection {Options.Layers}."),
        };

        var selected = new List<(string, Tensor)>();
        if (includeInput)
        {
            selected.Add(("input", input ?? throw new ArgumentException(
                $"The {Options.Layers} layer selection includes the raw input, so the input batch is required.", nameof(input))));
        }

        foreach (var i in indices)
        {
            if (i >= hidden.Count)
            {
                throw new InvalidOperationException(
                    $"Hidden layer {i} was selected but the module has {hidden.Count} hidden activation(s).");
            }

            selected.Add(($"hidden.{i.ToString(CultureInfo.InvariantCulture)}", hidden[i]));
        }

        if (selected.Count == 0)
        {
            throw new InvalidOperationException(
                "No activations to measure: the module has no recognised activation module (ReLU, Tanh, Sigmoid, GELU, …). " +
                "Pass activations to AnalyzeActivations, or select the input.");
        }

        return selected;
    }
}

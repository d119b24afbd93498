using MatrixGrokker.Analysis;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MatrixGrokker.Metrics;

/// <summary>One hidden layer seen during a forward pass: the activation's input and output.</summary>
internal readonly record struct LayerActivation(Tensor PreActivation, Tensor Activation);

/// <summary>
/// Runs a batch through a module and returns every hidden layer's pre- and post-activation, in call order:
/// through <see cref="Models.IModel.RecordActivations"/> for library models, otherwise through forward hooks on the
/// activation modules found in the module tree. Hooks are removed before returning.
/// </summary>
internal static class ActivationCapture
{
    // Element-wise activation modules whose input is a pre-activation and whose output is a hidden representation.
    private static readonly HashSet<Type> ActivationTypes =
    [
        typeof(ReLU), typeof(ReLU6), typeof(LeakyReLU), typeof(PReLU), typeof(RReLU), typeof(ELU), typeof(SELU),
        typeof(CELU), typeof(GELU), typeof(SiLU), typeof(Mish), typeof(Tanh), typeof(Sigmoid), typeof(Softplus),
        typeof(Hardtanh), typeof(Hardswish), typeof(Hardsigmoid),
    ];

    public static IReadOnlyList<LayerActivation> Run(AnalysisInput input, Tensor batch)
    {
        if (input.Model is { } model)
        {
            using var recorder = model.RecordActivations();
            model.Forward(batch);
            var pre = recorder.PreActivations;
            return recorder.Activations.Select((post, i) => new LayerActivation(pre[i], post)).ToArray();
        }

        var activations = FindActivations(input.Module).ToArray();
        if (activations.Length == 0)
        {
            // Reporting "no hidden layers" would silently call a network with functional activations linear.
            throw new InvalidOperationException(
                $"{input.Module.GetType().Name} has no activation module (ReLU, Tanh, Sigmoid, GELU, …) to hook, so its hidden " +
                "layers cannot be seen. Compose it from activation modules, implement IModel, or pass the activations yourself " +
                "(LocalComplexityAnalyzer.AnalyzeActivations, RegionComplexity.Measure).");
        }

        var captured = new List<LayerActivation>();
        var removers = new List<Action>();
        try
        {
            foreach (var module in activations)
            {
                // Every call is recorded, so an activation module reused for several layers yields each of them.
                // New handles (detach) keep the storage alive: containers such as Sequential free their intermediates.
                var handle = module.register_forward_hook((_, pre, post) =>
                {
                    captured.Add(new LayerActivation(pre.detach(), post.detach()));
                    return post;
                });
                removers.Add(handle.remove);
            }

            input.Module.call(batch);
        }
        finally
        {
            foreach (var remove in removers)
            {
                remove();
            }
        }

        return captured;
    }

    internal static IEnumerable<nn.Module<Tensor, Tensor>> FindActivations(nn.Module root) =>
        root.modules()
            .Prepend(root)
            .Distinct()
            .OfType<nn.Module<Tensor, Tensor>>()
            .Where(m => ActivationTypes.Contains(m.GetType()));
}

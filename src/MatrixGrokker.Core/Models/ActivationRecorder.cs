using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Models;

/// <summary>
/// Collects hidden-layer activations through forward hooks while it is alive; dispose it to remove the hooks.
/// For each hidden layer it keeps the pre-activation (Linear output) and the post-activation.
/// </summary>
public sealed class ActivationRecorder : IDisposable
{
    private readonly List<Action> _removers = [];
    private readonly Tensor?[] _pre;
    private readonly Tensor?[] _post;

    internal ActivationRecorder(IReadOnlyList<nn.Module<Tensor, Tensor>> linears, IReadOnlyList<nn.Module<Tensor, Tensor>> activations, Action? onDispose = null)
    {
        ArgumentNullException.ThrowIfNull(linears);
        ArgumentNullException.ThrowIfNull(activations);
        _pre = new Tensor?[activations.Count];
        _post = new Tensor?[activations.Count];
        for (var i = 0; i < activations.Count; i++)
        {
            var layer = i;
            var pre = linears[i].register_forward_hook((_, _, output) => { _pre[layer] = output; return output; });
            var post = activations[i].register_forward_hook((_, _, output) => { _post[layer] = output; return output; });
            _removers.Add(pre.remove);
            _removers.Add(post.remove);
        }

        if (onDispose is not null)
        {
            _removers.Add(onDispose);
        }
    }

    /// <summary>Number of hidden layers recorded.</summary>
    public int LayerCount => _post.Length;

    /// <summary>Pre-activations (Linear outputs) of each hidden layer from the last forward pass.</summary>
    public IReadOnlyList<Tensor> PreActivations => Collect(_pre);

    /// <summary>Post-activations (hidden representations) of each hidden layer from the last forward pass.</summary>
    public IReadOnlyList<Tensor> Activations => Collect(_post);

    private static Tensor[] Collect(Tensor?[] items) =>
        items.Select((t, i) => t ?? throw new InvalidOperationException(
            $"Hidden layer {i} has not been recorded yet: call the model's Forward while the recorder is alive.")).ToArray();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var remove in _removers)
        {
            remove();
        }

        _removers.Clear();
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace MatrixGrokker.Models;

/// <summary>
/// Puts a module in evaluation mode for a read-only forward pass and, on dispose, gives every submodule back its own
/// mode. <c>Module.train(bool)</c> alone would set them all alike and, for example, un-freeze a BatchNorm the user had
/// put in eval mode inside a training-mode network.
/// </summary>
internal readonly struct EvalModeScope : IDisposable
{
    private readonly (nn.Module Module, bool Training)[] _modes;

    public EvalModeScope(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        // Parents come before their descendants here (named_modules lists children, then their subtrees), so restoring
        // in this order lets each deeper module override what its ancestor's recursive train() set.
        _modes = [(module, module.training), .. module.modules().Select(m => (m, m.training))];
        module.eval();
    }

    public void Dispose()
    {
        foreach (var (module, training) in _modes ?? [])
        {
            module.train(training);
        }
    }
}

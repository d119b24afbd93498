using System.Runtime.CompilerServices;

namespace MatrixGrokker.Tests;

internal static class TestAssemblySetup
{
    // Torch's intra-op thread count is process-wide and changes float reduction order. Test classes run in parallel
    // and the experiment runner sets one thread, so fix it once here or bitwise-determinism tests race with it.
    [ModuleInitializer]
    internal static void UseOneTorchThread() => TorchSharp.torch.set_num_threads(1);
}

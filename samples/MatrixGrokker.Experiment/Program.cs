using MatrixGrokker.Experiment;

// The seed's full experiment: train on 2×2 products, then zero-shot transfer to larger matrices.
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops after the current step and still writes the outputs; a second one ends the process.
    e.Cancel = !cts.IsCancellationRequested;
    cts.Cancel();
};

return ExperimentCli.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected, cancellationToken: cts.Token);

using MatrixGrokker.Experiment;
using Microsoft.Extensions.Logging;

// The seed's full experiment: train on 2×2 products, then zero-shot transfer to larger matrices.
ExperimentSettings settings;
try
{
    settings = ExperimentConfiguration.Parse(args);
}
catch (ConfigurationErrorException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

if (settings.ShowHelp)
{
    Console.WriteLine(ExperimentConfiguration.Usage);
    return 0;
}

using var loggerFactory = LoggerFactory.Create(b => b
    .SetMinimumLevel(LogLevel.Warning)
    .AddSimpleConsole(o => o.SingleLine = true));
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops after the current step and still writes the outputs; a second one kills the process.
    e.Cancel = !cts.IsCancellationRequested;
    cts.Cancel();
};

try
{
    var runner = new ExperimentRunner(settings, Console.Out, interactive: !Console.IsOutputRedirected, loggerFactory);
    var summary = runner.Run(cts.Token);
    return summary.StopReason == MatrixGrokker.Training.StopReason.Cancelled ? 130 : 0;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}

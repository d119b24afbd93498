using MatrixGrokker.Training;
using Microsoft.Extensions.Logging;

namespace MatrixGrokker.Experiment;

/// <summary>The command's behaviour, separate from the process so tests can run it: parse, run, map to an exit code.</summary>
public static class ExperimentCli
{
    /// <summary>Exit code for invalid options (nothing is written).</summary>
    public const int InvalidOptions = 2;

    /// <summary>Runs the command.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="output">Progress and results.</param>
    /// <param name="error">Error lines.</param>
    /// <param name="interactive">Redraw a progress bar (terminal) instead of printing lines.</param>
    /// <param name="settingsDirectory">Folder of appsettings.json; default the application folder.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <returns>0 done, 1 failed, 2 invalid options, 130 cancelled.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false, string? settingsDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ExperimentSettings settings;
        try
        {
            settings = ExperimentConfiguration.Parse(args, settingsDirectory);
        }
        catch (ConfigurationErrorException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return InvalidOptions;
        }

        if (settings.ShowHelp)
        {
            output.WriteLine(ExperimentConfiguration.Usage);
            return 0;
        }

        using var loggerFactory = LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true));
        try
        {
            var summary = new ExperimentRunner(settings, output, interactive, loggerFactory).Run(cancellationToken);
            return summary.StopReason == StopReason.Cancelled ? 130 : 0;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace MatrixGrokker.Tests.Packaging;

public sealed record CliResult(int ExitCode, string Output, TimeSpan Duration)
{
    public CliResult EnsureSuccess(string what) =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{what} failed with exit code {ExitCode}:\n{Tail(Output)}");

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}

/// Runs the dotnet CLI as a child process with a clean MSBuild environment and a hard timeout.
internal static class DotnetCli
{
    // Set by `dotnet test`'s own MSBuild; inherited by a child build they point it at the wrong SDK pieces.
    private static readonly string[] Scrubbed = ["MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly"];

    public static string Executable { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static CliResult Run(string workingDirectory, TimeSpan timeout, params string[] args) =>
        Run(workingDirectory, timeout, new Dictionary<string, string>(), args);

    public static CliResult Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in Scrubbed)
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var output = new StringBuilder();
        var sync = new Lock();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (sync) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (sync) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {timeout}:\n{output}");
        }

        process.WaitForExit(); // drains the redirected streams
        lock (sync)
        {
            return new CliResult(process.ExitCode, output.ToString(), watch.Elapsed);
        }
    }
}

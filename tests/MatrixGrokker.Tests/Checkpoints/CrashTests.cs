using System.Diagnostics;
using MatrixGrokker.Checkpoints;
using MatrixGrokker.Training;

namespace MatrixGrokker.Tests.Checkpoints;

public class CrashTests
{
    [Fact]
    public async Task A_process_killed_in_the_middle_of_a_checkpoint_write_resumes_from_the_last_complete_checkpoint()
    {
        using var dir = new TempFolder();
        var host = Path.Combine(AppContext.BaseDirectory, "MatrixGrokker.CrashHost.dll");
        Assert.True(File.Exists(host), $"{host} must be built next to the tests (project reference)");

        // The child trains 5 epochs of 7 steps with a checkpoint per epoch and parks half-way through save 2 (step 14).
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(dir.Path);
        start.ArgumentList.Add("2");
        using var child = Process.Start(start)!;
        string? temp = null;
        try
        {
            var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(line is not null && line.StartsWith("PAUSED ", StringComparison.Ordinal), $"child said '{line}', stderr: {(child.HasExited ? await child.StandardError.ReadToEndAsync() : "")}");
            temp = line["PAUSED ".Length..];
            Assert.True(new FileInfo(temp).Length > 0, "the temporary file is half written");
        }
        finally
        {
            child.Kill(); // SIGKILL on Unix: no finally blocks, no flushing in the child
            await child.WaitForExitAsync();
        }

        Assert.Equal(137, child.ExitCode); // 128 + SIGKILL
        Assert.True(File.Exists(temp), "the interrupted write never replaced a checkpoint");
        var latest = new CheckpointManager(dir.Path).FindLatestValid()!;
        Assert.Equal(7, latest.GlobalStep);
        Assert.Single(new CheckpointManager(dir.Path).ListFiles());

        var options = CheckpointKit.Options(epochs: 5, everyEpochs: 1); // = CrashHostOptions.Create()
        var resumed = CheckpointKit.Run(options, new CheckpointManager(dir.Path));
        Assert.Equal(StopReason.MaxEpochs, resumed.Result.Reason);
        Assert.Equal(5 * CheckpointKit.StepsPerEpoch - 7, resumed.Recorder.Losses.Count);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));

        var straight = CheckpointKit.Run(options, manager: null);
        Assert.True(CheckpointKit.BitwiseEqual(resumed.Parameters, straight.Parameters), "the resumed run ends where an uninterrupted one does");
    }
}

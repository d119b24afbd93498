using MatrixGrokker.Checkpoints;

namespace MatrixGrokker.Tests.Checkpoints;

public class DirectoryDurabilityTests
{
    [Fact]
    public void An_existing_folder_is_flushed_and_a_missing_one_is_reported_not_thrown()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path);

        Assert.Equal(!OperatingSystem.IsWindows(), DirectoryDurability.Flush(dir.Path));
        Assert.False(DirectoryDurability.Flush(Path.Combine(dir.Path, "missing")));
    }
}

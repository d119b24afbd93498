using System.Text.RegularExpressions;

namespace MatrixGrokker.Tests.Packaging;

public partial class SourceHygieneTests
{
    // Libraries log through ILogger; writing to the console (or the trace/debug channels) bypasses the host's logging.
    [GeneratedRegex(@"\b(System\.)?(Console|Debug|Trace)\s*\.\s*(Write|WriteLine|Out|Error|Print)\b")]
    private static partial Regex ConsoleWrite();

    // logger.LogInformation(...) or logger.Log(level, ...); Math.Log(x) must not match.
    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)\s*\(|\b_?[lL]ogger\s*\.\s*Log\s*\(")]
    private static partial Regex LoggerExtensionCall();

    [GeneratedRegex(@"\bILogger\b")]
    private static partial Regex LoggerUse();

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static IEnumerable<(string File, int Line, string Text)> Lines() =>
        SourceFiles().SelectMany(f => File.ReadLines(f).Select((text, i) => (Path.GetRelativePath(RepoPaths.Root, f), i + 1, text)))
            .Where(l => !l.Item3.TrimStart().StartsWith("//", StringComparison.Ordinal));

    [Fact]
    public void Library_sources_never_write_to_the_console()
    {
        Assert.NotEmpty(SourceFiles());
        var hits = Lines().Where(l => ConsoleWrite().IsMatch(l.Text)).Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}").ToList();
        Assert.True(hits.Count == 0, "Use ILogger with a [LoggerMessage] method instead of:\n" + string.Join('\n', hits));
    }

    [Fact]
    public void Every_log_call_goes_through_a_LoggerMessage_method()
    {
        // Extension calls like logger.LogInformation(...) allocate and parse the template on every call.
        var hits = Lines().Where(l => LoggerExtensionCall().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}").ToList();
        Assert.True(hits.Count == 0, "Declare a [LoggerMessage] partial method instead of:\n" + string.Join('\n', hits));

        var loggingFiles = SourceFiles().Where(f => LoggerUse().IsMatch(File.ReadAllText(f))).ToList();
        Assert.NotEmpty(loggingFiles);
        Assert.Contains(SourceFiles(), f => File.ReadAllText(f).Contains("[LoggerMessage(", StringComparison.Ordinal));
    }
}

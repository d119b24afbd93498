using Microsoft.Extensions.Logging;

namespace MatrixGrokker.Checkpoints;

internal static partial class CheckpointLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Checkpoint saved: {Path} ({Bytes} bytes, {Milliseconds:F1} ms)")]
    public static partial void Saved(ILogger logger, string path, long bytes, double milliseconds);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Skipping unreadable checkpoint {Path}: {Reason}")]
    public static partial void SkippedUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Checkpoint removed by retention: {Path}")]
    public static partial void Deleted(ILogger logger, string path);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "ForceFresh: moved {Count} earlier checkpoints to {Folder}")]
    public static partial void Archived(ILogger logger, int count, string folder);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Resuming from {Path}: epoch {Epoch}, step {Step}, batch {Batch} of the next epoch")]
    public static partial void Resumed(ILogger logger, string path, int epoch, long step, int batch);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Non-finite {Source} at step {Step} (epoch {Epoch}, batch {Batch}); action: {Action}")]
    public static partial void Diverged(ILogger logger, string source, long step, int epoch, int batch, string action);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Run in {Folder} already finished: {Message}")]
    public static partial void AlreadyFinished(ILogger logger, string folder, string message);

    [LoggerMessage(EventId = 108, Level = LogLevel.Debug, Message = "Could not fsync checkpoint folder {Folder}; the rename is durable only once the file system writes it")]
    public static partial void DirectoryNotFlushed(ILogger logger, string folder);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "Periodic checkpoint {Path} failed; training continues and retries at the next epoch end: {Reason}")]
    public static partial void SaveFailedContinuing(ILogger logger, string path, string reason);
}

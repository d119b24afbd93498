using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using MatrixGrokker.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MatrixGrokker.Checkpoints;

/// <summary>
/// Writes, finds and reads the checkpoints of one run in one folder. Hand it to a <see cref="Trainer"/>: the trainer
/// resumes from the latest valid checkpoint (or <see cref="ResumeFrom"/>), saves periodically, at the end and on
/// cancellation, and rolls back on divergence when asked to. Files are <c>ckpt-{step:D12}.mgck</c>.
/// </summary>
public sealed class CheckpointManager
{
    private const string Prefix = "ckpt-";
    private readonly ILogger _logger;
    private readonly Dictionary<string, (long Length, DateTime Written, double? ValidationLoss)> _known = new(StringComparer.Ordinal);

    /// <summary>Creates a manager for <paramref name="directory"/> (created at the first save if missing).</summary>
    /// <param name="directory">The run's checkpoint folder.</param>
    /// <param name="logger">Receives saves, skipped files and deletions.</param>
    public CheckpointManager(string directory, ILogger<CheckpointManager>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The checkpoint folder (absolute).</summary>
    public string Directory { get; }

    /// <summary>
    /// Resume from this file instead of the latest valid one. It must be readable and match the run, or training
    /// fails with a <see cref="CheckpointException"/>.
    /// </summary>
    public string? ResumeFrom { get; set; }

    /// <summary>Format version this library writes (and the newest it reads).</summary>
    public static int FormatVersion => CheckpointFile.FormatVersion;

    // Test seams: how the temporary file is opened, and a hook called half-way through writing it.
    internal Func<string, Stream> OpenWrite { get; set; } = static path => new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);

    internal Action<string>? MidWriteHook { get; set; }

    /// <summary>Checkpoint files in the folder, oldest step first (not verified).</summary>
    public IReadOnlyList<string> ListFiles()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + CheckpointFile.Extension)
            .Select(p => (Path: p, Step: ParseStep(p)))
            .Where(x => x.Step >= 0)
            .OrderBy(x => x.Step)
            .Select(x => x.Path)
            .ToArray();
    }

    /// <summary>Reads and verifies one checkpoint and describes it.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="CheckpointException">Missing, damaged or newer-format file.</exception>
    public CheckpointInfo Inspect(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        return Describe(full, CheckpointFile.Read(full));
    }

    /// <summary>
    /// The newest checkpoint that reads and verifies; damaged ones are skipped with a logged warning. Null when the
    /// folder holds no checkpoint at all.
    /// </summary>
    /// <exception cref="CheckpointCorruptException">Checkpoints exist but none is readable.</exception>
    /// <exception cref="CheckpointVersionException">The newest readable-looking one has a newer format.</exception>
    public CheckpointInfo? FindLatestValid() =>
        LoadLatestValid() is { } found ? Describe(found.Path, found.Snapshot) : null;

    internal (string Path, CheckpointSnapshot Snapshot)? LoadLatestValid()
    {
        var files = ListFiles();
        var failures = new List<string>();
        for (var i = files.Count - 1; i >= 0; i--)
        {
            try
            {
                return (files[i], CheckpointFile.Read(files[i]));
            }
            catch (CheckpointCorruptException ex)
            {
                CheckpointLog.SkippedUnreadable(_logger, files[i], ex.Message);
                failures.Add(ex.Message);
            }
            catch (CheckpointNotFoundException ex)
            {
                CheckpointLog.SkippedUnreadable(_logger, files[i], ex.Message);
                failures.Add(ex.Message);
            }
        }

        if (failures.Count > 0)
        {
            throw new CheckpointCorruptException(Directory,
                $"No valid checkpoint in '{Directory}': all {failures.Count} are unreadable ({string.Join(" | ", failures)}). " +
                "Set Checkpoint.ForceFresh to set them aside and start over.");
        }

        return null;
    }

    internal static CheckpointSnapshot Load(string path) => CheckpointFile.Read(Path.GetFullPath(path));

    // Fails early, with the folder's name and the cause, when checkpoints could not be written there.
    internal void EnsureWritable()
    {
        var probe = Path.Combine(Directory, ".write-probe-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointWriteException(Directory, $"Checkpoint folder '{Directory}' cannot be created or written: {ex.Message}", ex);
        }
    }

    // Moves every checkpoint aside into superseded-{time}/ so a fresh run never mixes with an old one; nothing is deleted.
    // Moves checkpoints aside into superseded-<time>/: all of them, or only those after a step (a run resumed from an
    // older checkpoint abandons its later ones, which must not be resumed, rolled back to or counted by retention).
    internal string? ArchiveExisting(long? afterStep = null)
    {
        var files = ListFiles().Where(f => afterStep is not { } step || ParseStep(f) > step).ToArray();
        if (files.Length == 0)
        {
            return null;
        }

        var target = Path.Combine(Directory, "superseded-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture));
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in files)
        {
            File.Move(file, Path.Combine(target, Path.GetFileName(file)));
        }

        _known.Clear();
        CheckpointLog.Archived(_logger, files.Length, target);
        return target;
    }

    // Atomic save: write ckpt-N.mgck.tmp, flush it to the disk, rename over the final name, then apply retention.
    internal CheckpointSavedInfo Save(CheckpointSnapshot snapshot, int keepLast)
    {
        var start = Stopwatch.GetTimestamp();
        snapshot.Metadata.LibraryVersion = LibraryVersion;
        snapshot.Metadata.CreatedUtc = DateTimeOffset.UtcNow;
        var image = CheckpointFile.Encode(snapshot);
        var final = Path.Combine(Directory, FileName(snapshot.Metadata.GlobalStep));
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var flushed = AtomicFile.Write(final, OpenWrite, (stream, temp) =>
            {
                var half = image.Length / 2;
                stream.Write(image, 0, half);
                if (MidWriteHook is { } hook)
                {
                    stream.Flush();
                    hook(temp);
                }

                stream.Write(image, half, image.Length - half);
            });
            if (!flushed)
            {
                CheckpointLog.DirectoryNotFlushed(_logger, Directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CheckpointWriteException(final, $"Checkpoint '{final}' could not be written ({ex.Message}); the previous checkpoints are unchanged.", ex);
        }

        _known[final] = (image.LongLength, File.GetLastWriteTimeUtc(final), snapshot.Metadata.ValidationLoss);
        var elapsed = Stopwatch.GetElapsedTime(start);
        CheckpointLog.Saved(_logger, final, image.LongLength, elapsed.TotalMilliseconds);
        ApplyRetention(final, keepLast);
        return new CheckpointSavedInfo(final, snapshot.Metadata.GlobalStep, snapshot.Metadata.CompletedEpochs, image.LongLength, elapsed);
    }

    // Keeps the newest keepLast valid checkpoints plus the one with the lowest validation loss; unreadable files are
    // left alone (they are not "good" and deleting evidence helps nobody), so the newest good one always survives.
    private void ApplyRetention(string justWritten, int keepLast)
    {
        var good = new List<(string Path, double? ValidationLoss)>();
        foreach (var file in ListFiles().Reverse())
        {
            if (KnownValidationLoss(file) is { } known)
            {
                good.Add((file, known.ValidationLoss));
            }
        }

        var keep = new HashSet<string>(good.Take(keepLast).Select(g => g.Path), StringComparer.Ordinal) { justWritten };
        var best = good.Where(g => g.ValidationLoss is { } v && double.IsFinite(v)).OrderBy(g => g.ValidationLoss).FirstOrDefault();
        if (best.Path is not null)
        {
            keep.Add(best.Path);
        }

        foreach (var (file, _) in good)
        {
            if (!keep.Contains(file))
            {
                AtomicFile.TryDelete(file);
                _known.Remove(file);
                CheckpointLog.Deleted(_logger, file);
            }
        }
    }

    // Validation loss of a verified checkpoint, cached by size and write time; null result when unreadable.
    private (double? ValidationLoss, bool Valid)? KnownValidationLoss(string file)
    {
        var info = new FileInfo(file);
        if (_known.TryGetValue(file, out var cached) && cached.Length == info.Length && cached.Written == info.LastWriteTimeUtc)
        {
            return (cached.ValidationLoss, true);
        }

        try
        {
            var snapshot = CheckpointFile.Read(file);
            _known[file] = (info.Length, info.LastWriteTimeUtc, snapshot.Metadata.ValidationLoss);
            return (snapshot.Metadata.ValidationLoss, true);
        }
        catch (CheckpointException)
        {
            return null;
        }
    }

    private static CheckpointInfo Describe(string path, CheckpointSnapshot snapshot)
    {
        var m = snapshot.Metadata;
        return new CheckpointInfo(path, m.LibraryVersion, m.CreatedUtc, m.CompletedEpochs, m.GlobalStep, m.BatchesIntoEpoch,
            m.Finished, m.StopReason, m.ValidationLoss, new FileInfo(path).Length);
    }

    internal static string LibraryVersion { get; } =
        typeof(CheckpointManager).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    internal static string FileName(long step) => Prefix + step.ToString("D12", CultureInfo.InvariantCulture) + CheckpointFile.Extension;

    private static long ParseStep(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        return name.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : -1;
    }
}

/// <summary>What a verified checkpoint file holds.</summary>
/// <param name="Path">The file.</param>
/// <param name="LibraryVersion">MatrixGrokker version that wrote it.</param>
/// <param name="CreatedUtc">When it was written.</param>
/// <param name="CompletedEpochs">Epochs fully trained.</param>
/// <param name="GlobalStep">Optimizer steps trained.</param>
/// <param name="BatchesIntoEpoch">Batches already trained in the next epoch (non-zero for mid-epoch checkpoints).</param>
/// <param name="IsFinished">The run ended by convergence or its epoch limit.</param>
/// <param name="StopReason">Why the run that wrote it ended, for final checkpoints.</param>
/// <param name="ValidationLoss">Validation loss of the last completed epoch.</param>
/// <param name="Bytes">File size.</param>
public sealed record CheckpointInfo(
    string Path,
    string LibraryVersion,
    DateTimeOffset CreatedUtc,
    int CompletedEpochs,
    long GlobalStep,
    int BatchesIntoEpoch,
    bool IsFinished,
    StopReason? StopReason,
    double? ValidationLoss,
    long Bytes);

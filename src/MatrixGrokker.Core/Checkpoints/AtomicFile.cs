namespace MatrixGrokker.Checkpoints;

// The one way this library replaces a file: write a temporary next to it, flush that to the disk, rename it over the
// target, then fsync the folder. A crash at any moment leaves either the old file or the new one, never a mix.
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically; on failure the temporary is removed and the exception rethrown.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="open">Opens the temporary for writing (a seam for tests that simulate a full disk).</param>
    /// <param name="write">Writes the content; gets the stream and the temporary's path.</param>
    /// <returns>False when the folder could not be fsynced (see <see cref="DirectoryDurability"/>); the file is written either way.</returns>
    public static bool Write(string path, Func<string, Stream> open, Action<Stream, string> write)
    {
        var temp = path + ".tmp";
        try
        {
            using (var stream = open(temp))
            {
                write(stream, temp);
                if (stream is FileStream file)
                {
                    file.Flush(flushToDisk: true);
                }
                else
                {
                    stream.Flush();
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            TryDelete(temp);
            throw;
        }

        return DirectoryDurability.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary or surplus file never affects which checkpoint is loaded.
        }
    }
}

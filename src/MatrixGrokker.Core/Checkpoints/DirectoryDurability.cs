using System.Runtime.InteropServices;

namespace MatrixGrokker.Checkpoints;

// A rename is only durable once the directory entry itself reaches the disk; without this a power cut after a save
// could bring back the folder as it was before the rename (and after retention's deletes). .NET cannot open a directory
// as a stream, so POSIX open/fsync/close are called directly.
internal static class DirectoryDurability
{
    private const int ReadOnly = 0; // O_RDONLY

    /// <summary>fsyncs <paramref name="directory"/>; false where that is not possible (Windows, file systems that refuse it).</summary>
    public static bool Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return false; // NTFS journals the rename itself; there is no directory handle to flush
        }

        try
        {
            var fd = open(directory, ReadOnly);
            if (fd < 0)
            {
                return false;
            }

            try
            {
                return fsync(fd) == 0;
            }
            finally
            {
                _ = close(fd);
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

#pragma warning disable SYSLIB1054 // DllImport keeps the project free of unsafe code; these signatures need no marshalling stub
#pragma warning disable CA2101 // file names are passed as UTF-8, which is what POSIX expects
    [DllImport("libc", SetLastError = true, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int close(int fd);
#pragma warning restore CA2101
#pragma warning restore SYSLIB1054
}

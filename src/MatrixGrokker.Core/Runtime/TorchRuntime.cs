using System.Runtime.InteropServices;
using TorchSharp;

namespace MatrixGrokker.Runtime;

/// <summary>
/// Loads TorchSharp's native backend once and, when that fails, replaces TorchSharp's generic message with the
/// real cause and its fix (<see cref="TorchNativeLoadException"/>).
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _loaded;

    /// <summary>Ensures the CPU backend is loaded; throws <see cref="TorchNativeLoadException"/> when it cannot be.</summary>
    public static void EnsureAvailable()
    {
        if (Volatile.Read(ref _loaded))
        {
            return;
        }

        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }

            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception ex) when (ex is NotSupportedException or DllNotFoundException or TypeInitializationException or InvalidOperationException)
            {
                throw Diagnose(ex);
            }

            Volatile.Write(ref _loaded, true);
        }
    }

    /// <summary>Passes <paramref name="value"/> through after <see cref="EnsureAvailable"/>; for base-constructor calls.</summary>
    /// <param name="value">Any value.</param>
    internal static T Checked<T>(T value)
    {
        EnsureAvailable();
        return value;
    }

    private static TorchNativeLoadException Diagnose(Exception original)
    {
        // The managed TorchSharp package itself ships libLibTorchSharp, so its presence proves nothing: the backend
        // package is what brings libtorch (torch_cpu is part of the CPU and the CUDA builds).
        var native = FindNativeLibrary();
        if (native is null || !HasLibTorchNextTo(native))
        {
            return new TorchNativeLoadException(
                TorchNativeLoadFailure.BackendPackageMissing,
                "TorchSharp's native backend (libLibTorchSharp) is not in the application folder. The MatrixGrokker package " +
                "references only the managed TorchSharp package: add a backend package to your application, e.g. " +
                "'dotnet add package TorchSharp-cpu' (or a TorchSharp CUDA bundle).",
                original);
        }

        string loadError;
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(native));
            loadError = original.Message;
        }
        catch (DllNotFoundException ex)
        {
            loadError = ex.Message;
        }

        if (loadError.Contains("GLIBCXX_", StringComparison.Ordinal))
        {
            return new TorchNativeLoadException(
                TorchNativeLoadFailure.LibStdCxxTooOld,
                $"'{native}' needs a newer libstdc++ than this system has (Debian 12 and Ubuntu 22.04 lack GLIBCXX_3.4.32). " +
                "The MatrixGrokker package's build step marks that version requirement weak in the copy in your output " +
                "folder; it was not applied. Build with the package's targets imported and without " +
                "-p:MatrixGrokkerFixLibStdCxx=false, or install a libstdc++ from GCC 13 or newer. Loader said: " + loadError,
                original);
        }

        return new TorchNativeLoadException(
            TorchNativeLoadFailure.Other,
            $"TorchSharp's native backend at '{native}' failed to load: {loadError}",
            original);
    }

    private static bool HasLibTorchNextTo(string native)
    {
        var dir = Path.GetDirectoryName(native);
        return dir is not null && Directory.EnumerateFiles(dir).Select(Path.GetFileName)
            .Any(f => f is not null && (f.StartsWith("libtorch_cpu.", StringComparison.Ordinal) || f.StartsWith("torch_cpu.", StringComparison.Ordinal)));
    }

    private static string? FindNativeLibrary()
    {
        var name = OperatingSystem.IsWindows() ? "LibTorchSharp.dll"
            : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        var baseDir = AppContext.BaseDirectory;
        var candidates = new List<string> { Path.Combine(baseDir, name) };
        var runtimes = Path.Combine(baseDir, "runtimes");
        if (Directory.Exists(runtimes))
        {
            // The portable RID folder (linux-x64, osx-arm64, win-x64) from the OS and architecture: a distro-built
            // runtime reports its own RID (e.g. ubuntu.22.04-x64), which names no folder in a NuGet package.
            var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            var rid = $"{os}-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";
            candidates.AddRange(Directory.EnumerateFiles(runtimes, name, SearchOption.AllDirectories)
                .Where(p => p.Contains(Path.DirectorySeparatorChar + rid + Path.DirectorySeparatorChar, StringComparison.Ordinal)));
        }

        return candidates.FirstOrDefault(File.Exists);
    }
}

/// <summary>Why TorchSharp's native backend could not be loaded.</summary>
public enum TorchNativeLoadFailure
{
    /// <summary>No backend package (TorchSharp-cpu or a CUDA bundle) is referenced by the application.</summary>
    BackendPackageMissing,
    /// <summary>The system's libstdc++ lacks a symbol version LibTorchSharp declares (Debian 12, Ubuntu 22.04).</summary>
    LibStdCxxTooOld,
    /// <summary>Any other loader failure; the message carries the loader's text.</summary>
    Other,
}

/// <summary>TorchSharp's native backend could not be loaded; the message names the cause and the fix.</summary>
public sealed class TorchNativeLoadException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="failure">The diagnosed cause.</param>
    /// <param name="message">Cause and fix.</param>
    /// <param name="inner">TorchSharp's original exception.</param>
    public TorchNativeLoadException(TorchNativeLoadFailure failure, string message, Exception? inner)
        : base(message, inner) => Failure = failure;

    /// <summary>Creates the exception with an unspecified cause.</summary>
    public TorchNativeLoadException()
        : base("TorchSharp's native backend could not be loaded.") => Failure = TorchNativeLoadFailure.Other;

    /// <summary>Creates the exception with an unspecified cause.</summary>
    /// <param name="message">Message.</param>
    public TorchNativeLoadException(string message)
        : base(message) => Failure = TorchNativeLoadFailure.Other;

    /// <summary>Creates the exception with an unspecified cause.</summary>
    /// <param name="message">Message.</param>
    /// <param name="inner">Inner exception.</param>
    public TorchNativeLoadException(string message, Exception inner)
        : base(message, inner) => Failure = TorchNativeLoadFailure.Other;

    /// <summary>The diagnosed cause.</summary>
    public TorchNativeLoadFailure Failure { get; }
}

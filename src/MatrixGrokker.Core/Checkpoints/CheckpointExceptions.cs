namespace MatrixGrokker.Checkpoints;

/// <summary>Base of every checkpoint failure; <see cref="Path"/> names the file or folder concerned.</summary>
public class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException()
        : this(string.Empty, "Checkpoint failure.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public CheckpointException(string message)
        : this(string.Empty, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="path">The checkpoint file or folder.</param>
    /// <param name="message">What went wrong, naming the file.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public CheckpointException(string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>The checkpoint file or folder concerned.</summary>
    public string Path { get; }
}

/// <summary>A checkpoint file is damaged: truncated, checksum mismatch, not a checkpoint, or malformed content.</summary>
public sealed class CheckpointCorruptException : CheckpointException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointCorruptException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public CheckpointCorruptException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public CheckpointCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="path">The damaged file.</param>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public CheckpointCorruptException(string path, string message, Exception? innerException = null)
        : base(path, message, innerException)
    {
    }
}

/// <summary>A valid checkpoint that belongs to another run: other matrix size, architecture, data or seed.</summary>
public sealed class CheckpointIncompatibleException : CheckpointException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointIncompatibleException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public CheckpointIncompatibleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public CheckpointIncompatibleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="message">Which settings differ.</param>
    public CheckpointIncompatibleException(string path, string message)
        : base(path, message)
    {
    }
}

/// <summary>A checkpoint written in a newer format than this library reads.</summary>
public sealed class CheckpointVersionException : CheckpointException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointVersionException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public CheckpointVersionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public CheckpointVersionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="fileVersion">Format version in the file.</param>
    /// <param name="supportedVersion">Newest format this library reads.</param>
    public CheckpointVersionException(string path, int fileVersion, int supportedVersion)
        : base(path, $"Checkpoint '{path}' has format version {fileVersion}; this MatrixGrokker reads versions up to {supportedVersion}. Upgrade the library to load it.")
    {
        FileVersion = fileVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>Format version found in the file.</summary>
    public int FileVersion { get; }

    /// <summary>Newest format version this library reads.</summary>
    public int SupportedVersion { get; }
}

/// <summary>A named checkpoint file or folder does not exist or cannot be read.</summary>
public sealed class CheckpointNotFoundException : CheckpointException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointNotFoundException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public CheckpointNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public CheckpointNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="path">The missing file or folder.</param>
    /// <param name="message">What is missing.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public CheckpointNotFoundException(string path, string message, Exception? innerException = null)
        : base(path, message, innerException)
    {
    }
}

/// <summary>
/// A checkpoint could not be written (folder cannot be created, no permission, disk full, I/O error). The partial
/// temporary file is removed; earlier checkpoints are untouched.
/// </summary>
public sealed class CheckpointWriteException : CheckpointException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointWriteException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public CheckpointWriteException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public CheckpointWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file or folder that could not be written.</param>
    /// <param name="message">Why.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public CheckpointWriteException(string path, string message, Exception? innerException = null)
        : base(path, message, innerException)
    {
    }
}

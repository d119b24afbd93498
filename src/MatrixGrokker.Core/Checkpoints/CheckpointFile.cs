using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace MatrixGrokker.Checkpoints;

// The single-file format (docs/checkpoints.md):
//   header (56 bytes): magic "MGCKPT\r\n" | format version u32 LE | flags u32 (0) | payload length i64 LE | SHA-256 of payload
//   payload: metadata length i32 | metadata UTF-8 JSON | entry count i32 | entries
//   entry: name (BinaryWriter string) | dtype i32 | rank i32 | dims i64[rank] | byte length i64 | raw little-endian bytes
internal static class CheckpointFile
{
    public const int FormatVersion = 1;
    public const int HeaderSize = 56;
    public const string Extension = ".mgck";

    private static ReadOnlySpan<byte> Magic => "MGCKPT\r\n"u8;

    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    // The complete file image: header and payload, ready to be written in one go.
    public static byte[] Encode(CheckpointSnapshot snapshot)
    {
        using var payloadStream = new MemoryStream();
        using (var writer = new BinaryWriter(payloadStream, Encoding.UTF8, leaveOpen: true))
        {
            var meta = JsonSerializer.SerializeToUtf8Bytes(snapshot.Metadata, Json);
            writer.Write(meta.Length);
            writer.Write(meta);
            writer.Write(snapshot.Tensors.Count);
            foreach (var t in snapshot.Tensors)
            {
                writer.Write(t.Name);
                writer.Write((int)t.DType);
                writer.Write(t.Shape.Length);
                foreach (var d in t.Shape)
                {
                    writer.Write(d);
                }

                writer.Write(t.Data.LongLength);
                writer.Write(t.Data);
            }
        }

        var payload = payloadStream.GetBuffer().AsSpan(0, (int)payloadStream.Length);
        var image = new byte[HeaderSize + payload.Length];
        Magic.CopyTo(image);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(12), 0);
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(16), payload.Length);
        SHA256.HashData(payload, image.AsSpan(24, 32));
        payload.CopyTo(image.AsSpan(HeaderSize));
        return image;
    }

    public static CheckpointSnapshot Read(string path)
    {
        byte[] image;
        try
        {
            image = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointNotFoundException(path, $"Checkpoint '{path}' does not exist.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointNotFoundException(path, $"Checkpoint '{path}' cannot be read: {ex.Message}", ex);
        }

        return Decode(path, image);
    }

    public static CheckpointSnapshot Decode(string path, byte[] image)
    {
        if (image.Length < HeaderSize)
        {
            throw new CheckpointCorruptException(path, $"Checkpoint '{path}' is truncated: {image.Length} bytes, shorter than the {HeaderSize}-byte header.");
        }

        if (!image.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new CheckpointCorruptException(path, $"'{path}' is not a MatrixGrokker checkpoint (bad magic bytes).");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(8));
        if (version > FormatVersion)
        {
            throw new CheckpointVersionException(path, (int)Math.Min(version, int.MaxValue), FormatVersion);
        }

        if (version == 0)
        {
            throw new CheckpointCorruptException(path, $"Checkpoint '{path}' has format version 0, which was never written.");
        }

        var declared = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(16));
        long actual = image.Length - HeaderSize;
        if (declared != actual)
        {
            throw new CheckpointCorruptException(path, declared > actual
                ? $"Checkpoint '{path}' is truncated: the header announces {declared} payload bytes but only {actual} are present."
                : $"Checkpoint '{path}' has {actual - declared} unexpected bytes after its {declared}-byte payload.");
        }

        var payload = image.AsSpan(HeaderSize);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        if (!hash.SequenceEqual(image.AsSpan(24, 32)))
        {
            throw new CheckpointCorruptException(path, $"Checkpoint '{path}' fails its SHA-256 checksum: the file was modified or damaged after it was written.");
        }

        try
        {
            return DecodePayload(image);
        }
        catch (Exception ex) when (ex is EndOfStreamException or JsonException or InvalidDataException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new CheckpointCorruptException(path, $"Checkpoint '{path}' has a valid checksum but malformed content: {ex.Message}", ex);
        }
    }

    private static CheckpointSnapshot DecodePayload(byte[] image)
    {
        using var stream = new MemoryStream(image, HeaderSize, image.Length - HeaderSize, writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var metaLength = reader.ReadInt32();
        if (metaLength < 2 || metaLength > stream.Length - stream.Position)
        {
            throw new InvalidDataException($"metadata length {metaLength} is out of range");
        }

        var metadata = JsonSerializer.Deserialize<CheckpointMetadata>(reader.ReadBytes(metaLength), Json)
            ?? throw new InvalidDataException("metadata is null");
        var count = reader.ReadInt32();
        if (count < 0)
        {
            throw new InvalidDataException($"entry count {count} is negative");
        }

        var tensors = new List<TensorBlob>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var dtype = (ScalarType)reader.ReadInt32();
            var rank = reader.ReadInt32();
            if (rank is < 0 or > 16)
            {
                throw new InvalidDataException($"entry '{name}' has rank {rank}");
            }

            var shape = new long[rank];
            for (var d = 0; d < rank; d++)
            {
                shape[d] = reader.ReadInt64();
            }

            var length = reader.ReadInt64();
            if (length < 0 || length > stream.Length - stream.Position)
            {
                throw new InvalidDataException($"entry '{name}' announces {length} bytes, more than remain");
            }

            tensors.Add(new TensorBlob(name, dtype, shape, reader.ReadBytes((int)length)));
        }

        if (stream.Position != stream.Length)
        {
            throw new InvalidDataException($"{stream.Length - stream.Position} bytes follow the last entry");
        }

        return new CheckpointSnapshot { Metadata = metadata, Tensors = tensors };
    }
}

using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MatrixGrokker.Models;
using static TorchSharp.torch;

namespace MatrixGrokker.Checkpoints;

/// <summary>
/// Writes a model's parameters as a <c>.safetensors</c> file, which PyTorch reads with
/// <c>safetensors.torch.load_file(path)</c>; the names are the module's parameter names (<c>layers.0.weight</c>, …),
/// so <c>model.load_state_dict(load_file(path))</c> works for a PyTorch module of the same structure.
/// </summary>
/// <remarks>
/// The format: an 8-byte little-endian header length, a JSON header mapping each name to its dtype, shape and byte
/// range (plus optional string metadata), padded with spaces to a multiple of 8, then the raw little-endian tensor
/// bytes in header order. The file is written like a checkpoint: a temporary flushed to disk, renamed over the
/// target, then the folder fsynced.
/// </remarks>
public static class SafetensorsExport
{
    /// <summary>Writes every parameter of <paramref name="model"/> to <paramref name="path"/>.</summary>
    /// <param name="model">The model; float32 and float64 parameters are supported.</param>
    /// <param name="path">Target file; replaced atomically if it exists.</param>
    /// <param name="metadata">Optional string pairs stored under <c>__metadata__</c> (e.g. the options).</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="NotSupportedException">A parameter has another dtype.</exception>
    /// <exception cref="IOException">The file could not be written; an existing file at <paramref name="path"/> is unchanged.</exception>
    public static long Save(IModel model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        var tensors = new List<(string Name, string DType, long[] Shape, byte[] Bytes)>();
        using var scope = NewDisposeScope(); // detach/cpu/contiguous each make a tensor handle
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            var dtype = parameter.dtype switch
            {
                ScalarType.Float32 => "F32",
                ScalarType.Float64 => "F64",
                _ => throw new NotSupportedException($"Parameter '{name}' is {parameter.dtype}; safetensors export supports Float32 and Float64."),
            };
            var cpu = parameter.detach().cpu().contiguous();
            var bytes = cpu.bytes.ToArray();
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("safetensors stores little-endian data; this machine is big-endian.");
            }

            tensors.Add((name, dtype, cpu.shape, bytes));
        }

        var header = BuildHeader(tensors, metadata);
        try
        {
            AtomicFile.Write(path, static temp => new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None), (stream, _) =>
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var t in tensors)
                {
                    stream.Write(t.Bytes);
                }
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not write the safetensors export '{path}' ({ex.Message}); an existing file there is unchanged.", ex);
        }

        return 8 + header.Length + tensors.Sum(t => (long)t.Bytes.Length);
    }

    private static byte[] BuildHeader(List<(string Name, string DType, long[] Shape, byte[] Bytes)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, dtype, shape, bytes) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (var d in shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes.Length;
            }

            json.WriteEndObject();
        }

        // Pad with spaces so the tensor data starts 8-byte aligned (the reference implementation does the same).
        var length = (int)buffer.Length;
        var padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }
}

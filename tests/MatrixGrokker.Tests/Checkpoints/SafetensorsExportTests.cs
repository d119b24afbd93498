using System.Buffers.Binary;
using System.Text.Json;
using MatrixGrokker.Checkpoints;
using MatrixGrokker.Models;
using MatrixGrokker.Options;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Checkpoints;

public class SafetensorsExportTests
{
    [Fact]
    public void An_independent_reader_gets_every_parameter_back_bit_for_bit_under_its_module_name()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path);
        var path = Path.Combine(dir.Path, "model.safetensors");
        using var model = new MlpModel(2, 16, 3, ActivationKind.Relu, seed: 4);

        var written = SafetensorsExport.Save(model, path, new Dictionary<string, string> { ["matrix_size"] = "2" });

        Assert.Equal(new FileInfo(path).Length, written);
        var loaded = TorchSharp.PyBridge.Safetensors.LoadStateDict(path);
        var expected = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(expected.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, tensor) in loaded)
        {
            Assert.Equal(expected[name].shape, tensor.shape);
            Assert.True(expected[name].Equals(tensor), $"{name} differs");
        }
    }

    [Fact]
    public void The_header_is_aligned_and_carries_dtypes_offsets_and_metadata()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path);
        var path = Path.Combine(dir.Path, "bilinear.safetensors");
        using var model = new BilinearModel(2, 7, seed: 1, dtype: ScalarType.Float64); // float64 parameters

        SafetensorsExport.Save(model, path, new Dictionary<string, string> { ["note"] = "test" });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        Assert.Equal("test", header.RootElement.GetProperty("__metadata__").GetProperty("note").GetString());
        long end = 0;
        foreach (var p in model.named_parameters())
        {
            var entry = header.RootElement.GetProperty(p.name);
            Assert.Equal("F64", entry.GetProperty("dtype").GetString());
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(end, offsets[0]);
            Assert.Equal(p.parameter.numel() * 8, offsets[1] - offsets[0]);
            end = offsets[1];
        }

        Assert.Equal(bytes.Length, 8 + headerLength + end);
    }

    [Fact]
    public void A_failed_write_leaves_an_existing_file_unchanged()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path);
        var path = Path.Combine(dir.Path, "model.safetensors");
        File.WriteAllText(path, "previous export");
        Directory.CreateDirectory(path + ".tmp"); // the temporary name is taken by a folder: the write must fail
        using var model = new MlpModel(2, 8, 2, ActivationKind.Relu, seed: 1);

        var ex = Assert.Throws<IOException>(() => SafetensorsExport.Save(model, path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal("previous export", File.ReadAllText(path));
    }
}

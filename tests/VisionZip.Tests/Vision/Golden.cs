using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Vision;

/// <summary>Reads one fixture folder's golden.safetensors and compares against it with the fixture tolerances.</summary>
internal sealed class Golden : IDisposable
{
    private readonly SafetensorsCheckpoint _file;

    public Golden(string fixture)
    {
        Directory = Fixtures.Path(fixture);
        _file = SafetensorsCheckpoint.Open(Fixtures.Path(fixture, "golden.safetensors"));
    }

    public string Directory { get; }

    public Tensor this[string name] => _file.Read(name);

    public void Close(string name, Tensor actual)
    {
        using var golden = _file.Read(name);
        TensorAssert.Close(golden, actual, name);
    }

    public void Equal(string name, Tensor actual)
    {
        using var golden = _file.Read(name);
        TensorAssert.Equal(golden, actual, name);
    }

    public void Dispose() => _file.Dispose();
}

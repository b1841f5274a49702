using System.Text.Json;
using TorchSharp;
using VisionZip.Models.Imaging;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Imaging;

/// <summary>The encoder folders' pixel_values: row b = golden.json 'inputs' photo b through the folder's preprocessor_config.json.</summary>
public class EncoderPreprocessParityTests
{
    [Theory]
    [InlineData("clip-vit-tiny-patch14-336", ImageProcessorKind.Clip)]
    [InlineData("siglip-tiny-patch14-384", ImageProcessorKind.Siglip)]
    public void Batch_pixel_values_match_the_golden(string folder, ImageProcessorKind kind)
    {
        using var scope = torch.NewDisposeScope();
        var processor = ImageProcessor.Load(Fixtures.Path(folder));
        Assert.Equal(kind, processor.Config.Kind);
        var photos = InputPhotos(folder);
        Assert.True(photos.Count >= 2, $"{folder}: expected at least two inputs");

        using var golden = Photos.Golden(folder);
        var expected = golden.Read("pixel_values");
        TensorAssert.PixelsClose(expected, processor.Preprocess(photos), $"{folder} pixel_values");
        for (int row = 0; row < photos.Count; row++)
        {
            TensorAssert.PixelsClose(expected[row].unsqueeze(0), processor.Preprocess(photos[row]), $"{folder} pixel_values[{row}] alone");
        }
    }

    [Fact]
    public void Siglip_resize_matches_the_golden_bytes()
    {
        using var scope = torch.NewDisposeScope();
        const string folder = "siglip-tiny-patch14-384";
        var processor = ImageProcessor.Load(Fixtures.Path(folder));
        using var golden = Photos.Golden(folder);
        var resized = processor.Resize(InputPhotos(folder)[0]);
        TensorAssert.Equal(golden.Read("preprocess.0.resized_uint8"), resized.ToTensor(), "siglip preprocess.0.resized_uint8");
    }

    private static List<RgbImage> InputPhotos(string folder)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixtures.Path(folder, "golden.json")));
        return json.RootElement.GetProperty("inputs").GetProperty("pixel_values").EnumerateArray()
            .OrderBy(entry => entry.GetProperty("row").GetInt32())
            .Select(entry => Photos.ByGoldenName(entry.GetProperty("image").GetString()!))
            .ToList();
    }
}

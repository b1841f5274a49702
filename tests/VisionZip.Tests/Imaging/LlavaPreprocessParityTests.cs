using System.Text.Json;
using TorchSharp;
using VisionZip.Models.Imaging;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Imaging;

/// <summary>llava-1.5 'crop' and 'pad', and llava-interleave (SigLIP) preprocessing against their goldens.</summary>
public class LlavaPreprocessParityTests
{
    private const string Llava15 = "llava-1.5-tiny-hf";
    private const string Interleave = "llava-interleave-qwen-tiny-hf";

    [Theory]
    [InlineData("crop", ImageMode.Crop)]
    [InlineData("pad", ImageMode.Pad)]
    public void Llava15_modes_match_the_golden(string prefix, ImageMode mode)
    {
        using var scope = torch.NewDisposeScope();
        var processor = ImageProcessor.Load(Fixtures.Path(Llava15));
        var photo = Photo(Llava15);
        using var golden = Photos.Golden(Llava15);

        TensorAssert.Equal(golden.Read($"{prefix}.resized_uint8"), processor.Resize(photo, mode).ToTensor(), $"{prefix}.resized_uint8");
        TensorAssert.PixelsClose(golden.Read($"{prefix}.pixel_values"), processor.Preprocess(photo, mode), $"{prefix}.pixel_values");
    }

    [Fact]
    public void Llava15_default_is_the_processor_alone()
    {
        using var scope = torch.NewDisposeScope();
        var processor = ImageProcessor.Load(Fixtures.Path(Llava15));
        Assert.Equal(ImageMode.Crop, processor.DefaultMode);
        using var golden = Photos.Golden(Llava15);
        TensorAssert.PixelsClose(golden.Read("crop.pixel_values"), processor.Preprocess(Photo(Llava15)), "default = crop.pixel_values");

        var padding = new ImageProcessor(processor.Config, ImageMode.Pad);
        TensorAssert.PixelsClose(golden.Read("pad.pixel_values"), padding.Preprocess(Photo(Llava15)), "default Pad = pad.pixel_values");
    }

    [Fact]
    public void Interleave_siglip_matches_the_golden()
    {
        using var scope = torch.NewDisposeScope();
        var processor = ImageProcessor.Load(Fixtures.Path(Interleave));
        Assert.Equal(ImageProcessorKind.Siglip, processor.Config.Kind);
        var photo = Photo(Interleave);
        using var golden = Photos.Golden(Interleave);

        TensorAssert.Equal(golden.Read("resized_uint8"), processor.Resize(photo).ToTensor(), "interleave resized_uint8");
        TensorAssert.PixelsClose(golden.Read("pixel_values"), processor.Preprocess(photo), "interleave pixel_values");
    }

    internal static RgbImage Photo(string folder)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixtures.Path(folder, "golden.json")));
        return Photos.ByGoldenName(json.RootElement.GetProperty("photo").GetProperty("file").GetString()!);
    }
}

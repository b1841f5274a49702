using TorchSharp;
using VisionZip.Models.Imaging;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Imaging;

/// <summary>LLaVA-NeXT 'anyres' preprocessing against the llava-next fixture (every step and the pixel values).</summary>
public class AnyResParityTests
{
    private const string Folder = "llava-next-tiny-patch14-112-hf";

    [Fact]
    public void Every_step_matches_the_golden()
    {
        using var scope = torch.NewDisposeScope();
        var processor = AnyResProcessor.Load(Fixtures.Path(Folder));
        var photo = LlavaPreprocessParityTests.Photo(Folder);
        using var golden = Photos.Golden(Folder);

        var split = processor.Split(photo);
        var best = golden.Read("anyres.best_resolution");
        Assert.Equal((best[0].item<long>(), best[1].item<long>()), ((long)split.BestResolution.Height, (long)split.BestResolution.Width));
        var grid = golden.Read("anyres.grid");
        Assert.Equal((grid[0].item<long>(), grid[1].item<long>()), ((long)split.Grid.Rows, (long)split.Grid.Cols));
        Assert.Equal(1 + split.Grid.Rows * split.Grid.Cols, split.Images.Count);

        TensorAssert.Equal(golden.Read("anyres.base_uint8"), split.BaseImage.ToTensor(), "anyres.base_uint8");
        TensorAssert.Equal(golden.Read("anyres.resized_uint8"), split.ResizedImage.ToTensor(), "anyres.resized_uint8");
        TensorAssert.Equal(golden.Read("anyres.padded_uint8"), split.PaddedImage.ToTensor(), "anyres.padded_uint8");
        TensorAssert.Equal(golden.Read("image_sizes"), AnyResProcessor.ImageSizes(split), "image_sizes");
        TensorAssert.PixelsClose(golden.Read("pixel_values"), processor.ToPixelValues(split), "pixel_values");
    }

    [Fact]
    public void Pinpoints_come_from_config_json_when_the_processor_lacks_them()
    {
        string directory = Directory.CreateTempSubdirectory("vz-anyres-").FullName;
        try
        {
            string processorJson = File.ReadAllText(Fixtures.Path(Folder, "preprocessor_config.json"));
            var node = System.Text.Json.Nodes.JsonNode.Parse(processorJson)!.AsObject();
            node.Remove("image_grid_pinpoints");
            File.WriteAllText(Path.Combine(directory, "preprocessor_config.json"), node.ToJsonString());
            File.WriteAllText(Path.Combine(directory, "config.json"), """{"image_grid_pinpoints": [[224, 448], [448, 224]]}""");

            var config = ImageProcessorConfig.Load(directory);
            Assert.Equal([(224, 448), (448, 224)], config.ImageGridPinpoints!);

            File.Delete(Path.Combine(directory, "config.json"));
            Assert.Equal(ImageProcessorConfig.DefaultGridPinpoints, ImageProcessorConfig.Load(directory).ImageGridPinpoints!);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    // (H, W) -> best (h, w) over the llava-next-7b pinpoints; hand-checked with the effective/wasted rule.
    [InlineData(250, 600, 336, 672)] // (336, 1008) also holds it all but wastes more
    [InlineData(600, 250, 672, 336)]
    [InlineData(500, 500, 672, 672)]
    [InlineData(100, 100, 336, 672)] // every pinpoint holds the whole photo: the least wasted, the first on a tie
    public void Select_best_resolution_follows_transformers(int height, int width, int bestHeight, int bestWidth)
    {
        var best = AnyResProcessor.SelectBestResolution((height, width), ImageProcessorConfig.DefaultGridPinpoints);
        Assert.Equal((bestHeight, bestWidth), best);
    }

    [Fact]
    public void Patch_output_size_uses_the_ceil_rule()
    {
        // 600x250 (WxH) into 112x336 (HxW): height limits, width = min(ceil(600 * 0.448), 336) = ceil(268.8) = 269.
        Assert.Equal((112, 269), AnyResProcessor.GetPatchOutputSize((250, 600), (112, 336)));
        // 250x600 (WxH) into 336x112: width limits, height = ceil(600 * 0.448) = 269.
        Assert.Equal((269, 112), AnyResProcessor.GetPatchOutputSize((600, 250), (336, 112)));
    }
}

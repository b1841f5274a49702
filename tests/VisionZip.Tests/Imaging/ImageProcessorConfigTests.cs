using TorchSharp;
using VisionZip.Models.Imaging;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Imaging;

public class ImageProcessorConfigTests
{
    [Fact]
    public void Old_int_style_clip_config_reads_as_shortest_edge_and_square_crop()
    {
        var config = ImageProcessorConfig.Load(Fixtures.Path("clip-vit-tiny-patch14-336"));
        Assert.Equal(ImageProcessorKind.Clip, config.Kind);
        Assert.Equal("CLIPImageProcessor", config.ImageProcessorType);
        Assert.Equal(ProcessorSize.ShortestEdgeOf(336), config.Size);
        Assert.Equal(ProcessorSize.Exact(336, 336), config.CropSize);
        Assert.True(config.DoRescale); // absent: the class default
        Assert.Equal(1.0 / 255.0, config.RescaleFactor);
        Assert.Equal(PillowResample.Bicubic, config.Resample);
    }

    [Fact]
    public void Dict_style_and_siglip_configs_read()
    {
        var llava = ImageProcessorConfig.Load(Fixtures.Path("llava-1.5-tiny-hf"));
        Assert.Equal(ProcessorSize.ShortestEdgeOf(336), llava.Size);
        Assert.Equal(ProcessorSize.Exact(336, 336), llava.CropSize);
        Assert.Equal(0.26862954, llava.ImageStd[0]);

        var siglip = ImageProcessorConfig.Load(Fixtures.Path("llava-interleave-qwen-tiny-hf"));
        Assert.Equal(ImageProcessorKind.Siglip, siglip.Kind);
        Assert.Equal(ProcessorSize.Exact(384, 384), siglip.Size);
        Assert.False(siglip.DoCenterCrop);
        Assert.Null(siglip.CropSize);
        Assert.False(siglip.DoConvertRgb); // JSON null is Python's None: falsy

        var next = ImageProcessorConfig.Load(Fixtures.Path("llava-next-tiny-patch14-112-hf"));
        Assert.Equal(ImageProcessorKind.LlavaNext, next.Kind);
        Assert.Equal([(112, 224), (224, 112), (224, 224), (336, 112), (112, 336)], next.ImageGridPinpoints!);
    }

    [Fact]
    public void Absent_fields_take_the_class_defaults()
    {
        var clip = ImageProcessorConfig.Parse("""{"image_processor_type": "CLIPImageProcessorFast"}""", "clip.json");
        Assert.Equal(ProcessorSize.ShortestEdgeOf(224), clip.Size);
        Assert.Equal(ProcessorSize.Exact(224, 224), clip.CropSize);
        Assert.True(clip.DoCenterCrop && clip.DoNormalize && clip.DoResize && clip.DoConvertRgb);
        Assert.Equal(ImageProcessorConfig.OpenAiClipMean, clip.ImageMean);

        var siglip = ImageProcessorConfig.Parse("""{"image_processor_type": "SiglipImageProcessor", "do_center_crop": true}""", "siglip.json");
        Assert.Equal(ProcessorSize.Exact(224, 224), siglip.Size);
        Assert.False(siglip.DoCenterCrop); // SigLIP has no crop step
        Assert.Equal(ImageProcessorConfig.ImageNetStandardHalf, siglip.ImageStd);

        var next = ImageProcessorConfig.Parse("""{"image_processor_type": "LlavaNextImageProcessor"}""", "next.json");
        Assert.Equal(ImageProcessorConfig.DefaultGridPinpoints, next.ImageGridPinpoints!);
    }

    [Fact]
    public void Size_variants_follow_get_size_dict()
    {
        var list = ImageProcessorConfig.Parse("""{"size": [300, 200], "crop_size": [100, 50], "image_mean": 0.5}""", "list.json");
        Assert.Equal(ProcessorSize.Exact(300, 200), list.Size);
        Assert.Equal(ProcessorSize.Exact(100, 50), list.CropSize);
        Assert.Equal([0.5, 0.5, 0.5], list.ImageMean);

        var square = ImageProcessorConfig.Parse("""{"size": 336, "use_square_size": true}""", "square.json");
        Assert.Equal(ProcessorSize.Exact(336, 336), square.Size);
    }

    [Theory]
    [InlineData("""{"size": {"longest_edge": 10}}""", "'size'")]
    [InlineData("""{"size": "big"}""", "'size'")]
    [InlineData("""{"resample": 7}""", "'resample'")]
    [InlineData("""{"image_std": [1, 2]}""", "'image_std'")]
    [InlineData("""{"do_resize": "yes"}""", "'do_resize'")]
    [InlineData("""{"image_processor_type": "Qwen2VLImageProcessor"}""", "Qwen2VLImageProcessor")]
    [InlineData("""{"size": 3""", "not valid JSON")]
    public void Bad_fields_name_the_file_and_field(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => ImageProcessorConfig.Parse(json, "bad/preprocessor_config.json"));
        Assert.Contains("bad/preprocessor_config.json", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string directory = Path.Combine(Path.GetTempPath(), "vz-no-such-checkpoint");
        var error = Assert.Throws<FileNotFoundException>(() => ImageProcessorConfig.Load(directory));
        Assert.Contains("vz-no-such-checkpoint", error.Message);
    }

    [Fact]
    public void Resize_output_size_follows_transformers()
    {
        var processor = new ImageProcessor(ImageProcessorConfig.Parse("""{"size": 336}""", "clip.json"));
        Assert.Equal((336, 504), processor.GetResizeOutputSize(400, 600));
        Assert.Equal((504, 336), processor.GetResizeOutputSize(600, 400));
        Assert.Equal((336, 336), processor.GetResizeOutputSize(512, 512));
        Assert.Equal((336, 1000), processor.GetResizeOutputSize(336, 1000)); // short side already 336: unchanged
        Assert.Equal((336, 447), processor.GetResizeOutputSize(301, 401)); // int(336 * 401 / 301) = int(447.6...) = 447
    }

    [Fact]
    public void Llava_image_processor_do_pad_makes_pad_the_default()
    {
        using var scope = torch.NewDisposeScope();
        string json = File.ReadAllText(Fixtures.Path("llava-1.5-tiny-hf", "preprocessor_config.json"))
            .Replace("\"CLIPImageProcessor\"", "\"LlavaImageProcessor\"", StringComparison.Ordinal)
            .Replace("\"do_center_crop\"", "\"do_pad\": true, \"do_center_crop\"", StringComparison.Ordinal);
        var processor = new ImageProcessor(ImageProcessorConfig.Parse(json, "llava.json"));
        Assert.Equal(ImageMode.Pad, processor.DefaultMode);
        using var golden = Photos.Golden("llava-1.5-tiny-hf");
        TensorAssert.PixelsClose(golden.Read("pad.pixel_values"), processor.Preprocess(Photos.Coffee), "do_pad pixel_values");
    }

    [Fact]
    public void Batches_of_different_sizes_are_rejected_without_a_crop()
    {
        var processor = new ImageProcessor(ImageProcessorConfig.Parse("""{"size": 8, "do_center_crop": false}""", "nocrop.json"));
        var error = Assert.Throws<ArgumentException>(() =>
            processor.Preprocess([RgbImage.Filled(16, 8, 1, 1, 1), RgbImage.Filled(8, 8, 1, 1, 1)]));
        Assert.Contains("images[1]", error.Message);
    }
}

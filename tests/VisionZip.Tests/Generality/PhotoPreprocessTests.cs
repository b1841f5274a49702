using VisionZip.Models.Imaging;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generality;

/// <summary>
/// Generated photos of awkward sizes and formats through every processor the fixtures ship (CLIP 336, llava-1.5's CLIP,
/// SigLIP 384) and two other geometries (CLIP 224 defaults, SigLIP 64), in 'crop' and 'pad': the shape is
/// [1, 3, S, S], every value finite and inside the normalised range, and what can be known exactly holds exactly
/// (grey stays grey, flat stays flat, padding is the mean colour, alpha is dropped, batches equal single images).
/// </summary>
public sealed class PhotoPreprocessTests
{
    public static TheoryData<string, string, ImageMode> Cases
    {
        get
        {
            var data = new TheoryData<string, string, ImageMode>();
            foreach (string photo in GeneratedPhotos.Names)
            {
                foreach (string processor in ProcessorNames)
                {
                    // Slivers (a 48000-pixel-long intermediate under CLIP's shortest-edge resize) and the multi-megapixel
                    // photo once per processor kind, to keep the suite fast.
                    if (ExpensivePhotos.Contains(photo) && processor is not ("clip-336" or "siglip-384"))
                    {
                        continue;
                    }

                    data.Add(photo, processor, ImageMode.Crop);
                    data.Add(photo, processor, ImageMode.Pad);
                }
            }

            return data;
        }
    }

    private static readonly string[] ProcessorNames = ["clip-336", "llava-1.5", "siglip-384", "clip-224", "siglip-64"];
    private static readonly string[] ExpensivePhotos = ["3x500 png", "1000x7 png", "2400x1600 jpeg"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Preprocessing_gives_a_finite_square_in_range(string photoName, string processorName, ImageMode mode)
    {
        var photo = GeneratedPhotos.Get(photoName);
        var processor = Processor(processorName);
        int size = processor.Config.CropSize?.Height ?? processor.Config.Size.Height!.Value;
        using var scope = NewDisposeScope();

        var pixels = processor.Preprocess(photo.Image, mode);
        Assert.Equal([1L, 3, size, size], pixels.shape);
        Assert.Equal(ScalarType.Float32, pixels.dtype);
        Assert.True(pixels.isfinite().all().item<bool>(), $"{photoName} / {processorName} / {mode}: non-finite values");
        for (int channel = 0; channel < 3; channel++)
        {
            double mean = processor.Config.ImageMean[channel], std = processor.Config.ImageStd[channel];
            var plane = pixels[0, channel];
            double low = plane.min().item<float>(), high = plane.max().item<float>();
            Assert.True(low >= (0 - mean) / std - 1e-5 && high <= (1 - mean) / std + 1e-5,
                $"{photoName} / {processorName} / {mode}: channel {channel} spans [{low}, {high}], outside [{(0 - mean) / std}, {(1 - mean) / std}]");
        }

        bool padded = mode == ImageMode.Pad && photo.Image.Width != photo.Image.Height;
        bool sliver = Math.Max(photo.Image.Width, photo.Image.Height) >= 8 * Math.Min(photo.Image.Width, photo.Image.Height);
        if (!photo.IsGrey && photo.Constant is null && !(padded && sliver))
        {
            return; // nothing known exactly about the uint8 image
        }

        var prepared = processor.Prepare(photo.Image, mode);
        Assert.Equal((size, size), (prepared.Width, prepared.Height));
        if (photo.IsGrey && !padded)
        {
            AssertEveryPixel(prepared, p => p.Red == p.Green && p.Green == p.Blue, $"{photoName}: grey input gave a coloured pixel");
        }

        if (photo.Constant is var (r, g, b) && !padded)
        {
            AssertEveryPixel(prepared, p => p == (r, g, b), $"{photoName}: a flat image did not stay flat");
        }

        if (padded && sliver)
        {
            // A sliver is centred on a square of the mean colour; the middle of the far edge is padding only.
            var fill = ((byte)(int)(processor.Config.ImageMean[0] * 255), (byte)(int)(processor.Config.ImageMean[1] * 255),
                (byte)(int)(processor.Config.ImageMean[2] * 255));
            var edge = photo.Image.Width > photo.Image.Height ? prepared.GetPixel(size / 2, 0) : prepared.GetPixel(0, size / 2);
            Assert.Equal(fill, edge);
        }
    }

    [Fact]
    public void One_pixel_photo_fills_the_square_with_its_colour()
    {
        var photo = GeneratedPhotos.Get("1x1 png");
        var colour = photo.Image.GetPixel(0, 0);
        foreach (string name in ProcessorNames)
        {
            foreach (var mode in new[] { ImageMode.Crop, ImageMode.Pad })
            {
                AssertEveryPixel(Processor(name).Prepare(photo.Image, mode), p => p == colour, $"1x1 through {name} / {mode}");
            }
        }
    }

    [Fact]
    public void Alpha_is_dropped_not_composited()
    {
        var photo = GeneratedPhotos.Get("50x30 rgba png");
        var twin = photo.OpaqueTwin!;
        Assert.Equal((twin.Width, twin.Height), (photo.Image.Width, photo.Image.Height));
        Assert.True(twin.Pixels.SequenceEqual(photo.Image.Pixels), "decoding RGBA changed the colours (alpha must be dropped, as Pillow's convert('RGB'))");
    }

    [Theory]
    [InlineData("clip-336", ImageMode.Pad)]
    [InlineData("siglip-64", ImageMode.Crop)]
    public void A_batch_of_odd_photos_equals_the_photos_one_by_one(string processorName, ImageMode mode)
    {
        var processor = Processor(processorName);
        var photos = GeneratedPhotos.Names.Where(n => !n.StartsWith("2400", StringComparison.Ordinal)).Select(n => GeneratedPhotos.Get(n).Image).ToList();
        using var scope = NewDisposeScope();
        var batch = processor.Preprocess(photos, mode);
        Assert.Equal(photos.Count, batch.shape[0]);
        for (int i = 0; i < photos.Count; i++)
        {
            BitExact.Equal(processor.Preprocess(photos[i], mode), batch.narrow(0, i, 1), $"photo {i} of the batch");
        }
    }

    private static ImageProcessor Processor(string name) => name switch
    {
        "clip-336" => ImageProcessor.Load(Fixtures.Path("clip-vit-tiny-patch14-336")),
        "llava-1.5" => ImageProcessor.Load(Fixtures.Path("llava-1.5-tiny-hf")),
        "siglip-384" => ImageProcessor.Load(Fixtures.Path("siglip-tiny-patch14-384")),
        "clip-224" => new ImageProcessor(ImageProcessorConfig.ForKind(ImageProcessorKind.Clip)),
        "siglip-64" => new ImageProcessor(ImageProcessorConfig.ForKind(ImageProcessorKind.Siglip) with { Size = ProcessorSize.Exact(64, 64) }),
        _ => throw new ArgumentException($"unknown processor {name}", nameof(name)),
    };

    private static void AssertEveryPixel(RgbImage image, Func<(byte Red, byte Green, byte Blue), bool> holds, string message)
    {
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                var pixel = image.GetPixel(x, y);
                if (!holds(pixel))
                {
                    Assert.Fail($"{message} at ({x}, {y}): {pixel}");
                }
            }
        }
    }
}

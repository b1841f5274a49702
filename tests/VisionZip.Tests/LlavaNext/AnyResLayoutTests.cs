using VisionZip.Models;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.LlavaNext;

/// <summary>AnyResLayout on hand-checked cases beyond the fixture's wide photo.</summary>
public sealed class AnyResLayoutTests
{
    [Fact]
    public void Tall_photo_drops_grid_rows_at_top_and_bottom()
    {
        // 600x250 (HxW) in a 3x1 grid of 8x8 = 24x8 tokens; the photo fills the width: int(600 * 8 / 250) = 19 rows kept.
        Assert.Equal((2, 22, 0, 8), AnyResLayout.UnpadExtent((600, 250), 24, 8));

        var layout = AnyResLayout.Vanilla((3, 1), 8, (600, 250));

        Assert.Equal(64 + 20 * (8 + 1), layout.Count);
        Assert.Equal(new AnyResRow(1, 2 * 8), layout[64]);             // grid row 2 = crop 0, patch row 2
        Assert.Equal(AnyResRow.Newline, layout[64 + 8]);
        Assert.Equal(new AnyResRow(3, 5 * 8 + 7), layout[^2]);         // grid row 21 = crop 2, patch row 5, last column
    }

    [Fact]
    public void Unpad_rounds_to_seven_decimals_before_truncating()
    {
        // 47 * 24 / 376 = 2.9999999999999996 in float64: int() alone would keep 2 rows (padding 3), transformers keeps 3 (padding 2).
        Assert.Equal((2, 6, 0, 24), AnyResLayout.UnpadExtent((47, 376), 8, 24));
    }

    [Fact]
    public void Zipped_crops_are_ordered_by_their_place_in_the_whole_grid()
    {
        // 1x2 grid, g = 2 (4 patches per crop), 3 dominant incl. CLS + 1 contextual per image.
        IReadOnlyList<long>[] kept = [[0, 1, 2], [0, 1, 4], [0, 2, 3]];

        var layout = AnyResLayout.Zipped((1, 2), 2, kept, contextual: 1, hasCls: true);

        // Grid raster keys (row * 4 + column): crop 0 patch 0 -> (0, 0) = 0, crop 1 patch 1 -> (0, 3) = 3,
        // crop 0 patch 3 -> (1, 1) = 5, crop 1 patch 2 -> (1, 2) = 6.
        AnyResRow[] expected =
        [
            new(0, 0), new(0, 1), new(0, 2), new(0, 3),      // the base image: every row, zip order
            new(1, 1), new(2, 1), new(1, 2), new(2, 2),      // crops' dominant non-CLS rows, raster order
        ];
        Assert.Equal([.. expected, new(1, 0), new(2, 0), new(1, 3), new(2, 3)], layout);
    }

    [Fact]
    public void Zipped_without_cls_puts_every_dominant_token_in_the_grid()
    {
        IReadOnlyList<long>[] kept = [[0, 3], [1, 2]];

        var layout = AnyResLayout.Zipped((1, 1), 2, kept, contextual: 0, hasCls: false);

        Assert.Equal([new(0, 0), new(0, 1), new(1, 0), new(1, 1)], layout);
    }

    [Fact]
    public void Wrong_image_count_is_named()
    {
        IReadOnlyList<long>[] kept = [[0, 1], [0, 2]];

        var error = Assert.Throws<ArgumentException>(() => AnyResLayout.Zipped((1, 2), 2, kept, 0, hasCls: true));

        Assert.Contains("2 images given, expected 1 + 1 * 2 = 3", error.Message);
    }

    [Fact]
    public void Other_model_types_are_refused_by_name()
    {
        string directory = Directory.CreateTempSubdirectory("vz-next-").FullName;
        try
        {
            string config = File.ReadAllText(Fixtures.Path("llava-next-tiny-patch14-112-hf", "config.json"))
                .Replace("\"llava_next\"", "\"llava_onevision\"", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(directory, "config.json"), config);

            var error = Assert.Throws<VisionZip.Models.Errors.CheckpointException>(() => VisionLanguageModel.Load(directory));

            Assert.Contains("llava_onevision", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

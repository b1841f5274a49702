using System.Text.Json;
using SkiaSharp;
using TorchSharp;
using VisionZip.Cli.Visualization;
using VisionZip.Models.IO;
using VisionZip.Tests.Support;
using static TorchSharp.torch;

namespace VisionZip.Tests.Cli;

/// <summary>The CLI on LLaVA-NeXT (encode, visualize, demo) and with <c>--reducer pool</c> on every LLaVA kind.</summary>
public sealed class ReducerAndAnyResCliTests
{
    private static readonly string Next = Fixtures.Path("llava-next-tiny-patch14-112-hf");
    private static readonly string WidePhoto = Fixtures.Path("images", "coffee_wide.png");
    private static readonly string Coffee = Fixtures.Path("images", "coffee.png");

    public static TheoryData<string> LlavaKinds => new() { "llava-1.5-tiny-hf", "llava-interleave-qwen-tiny-hf", "llava-next-tiny-patch14-112-hf" };

    [Fact]
    public void Encode_on_llava_next_writes_every_tile_and_the_packed_rows_as_the_golden()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        string output = temp.File("next.safetensors");
        CliResult result = CliRunner.Run("encode", "--model", Next, "--image", WidePhoto, "--out", output, "--dominant", "14", "--contextual", "4");
        Assert.True(result.ExitCode == 0, result.ToString());

        using var golden = SafetensorsFile.Open(Path.Combine(Next, "golden.safetensors"));
        using var written = SafetensorsFile.Open(output);
        TensorAssert.PixelsClose(golden.Read("pixel_values"), written.Read("pixel_values"), "pixel_values [1, tiles, 3, S, S]");
        TensorAssert.Close(golden.Read("zip.tokens"), written.Read("visual_tokens"), "visual_tokens [tiles, T, D]");
        TensorAssert.Equal(golden.Read("zip.kept"), written.Read("kept_indices"), "kept_indices [tiles, dominant]");
        TensorAssert.Close(golden.Read("zip.image_features"), written.Read("projected_tokens"), "projected_tokens [K, Dtext]");
        Assert.Contains("4 tiles", result.Output);
    }

    [Fact]
    public void Visualize_on_llava_next_draws_every_tile()
    {
        using var temp = new TempDirectory();
        string output = temp.File("next.png");
        CliResult result = CliRunner.Run("visualize", "--model", Next, "--image", WidePhoto, "--out", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("4 tiles", result.Output);

        using var picture = SKBitmap.Decode(output);
        var (width, height) = ZipVisualizer.CanvasSize(112, 112);
        Assert.Equal(width, picture.Width);
        Assert.Equal(4 * height, picture.Height);
    }

    [Fact]
    public void Demo_runs_on_llava_next()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("demo", "--model", Next, "--image", WidePhoto, "--out", temp.File("demo.png"), "--max-new-tokens", "3");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(temp.File("demo.png")));
    }

    [Theory]
    [MemberData(nameof(LlavaKinds))]
    public void Pool_reducer_encodes_to_the_requested_count_as_hand_computed_pooling(string folder)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        string image = folder.Contains("next", StringComparison.Ordinal) ? WidePhoto : Coffee;
        string vanillaPath = temp.File("vanilla.safetensors"), pooledPath = temp.File("pooled.safetensors");
        Assert.Equal(0, CliRunner.Run("encode", "--model", Fixtures.Path(folder), "--image", image, "--out", vanillaPath, "--no-zip").ExitCode);
        CliResult result = CliRunner.Run("encode", "--model", Fixtures.Path(folder), "--image", image, "--out", pooledPath,
            "--reducer", "pool", "--dominant", "12", "--contextual", "4");
        Assert.True(result.ExitCode == 0, result.ToString());

        using var vanilla = SafetensorsFile.Open(vanillaPath);
        using var pooled = SafetensorsFile.Open(pooledPath);
        var features = vanilla.Read("visual_tokens").to(ScalarType.Float64);                   // [tiles, g*g (+CLS under 'full'), D]
        var tokens = pooled.Read("visual_tokens").to(ScalarType.Float64);                      // [tiles, 16, D]
        Assert.Equal(16, tokens.shape[1]);
        Assert.False(pooled.Contains("kept_indices"));

        long tiles = features.shape[0];
        int side = (int)Math.Sqrt(features.shape[1]);
        int offset = (int)features.shape[1] - side * side;                                     // interleave keeps no CLS: 0
        for (long t = 0; t < tiles; t++)
        {
            for (int r = 0; r < 4; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    // 16 = 4 x 4 cells; adaptive windows floor(i*g/4) .. ceil((i+1)*g/4).
                    int y0 = r * side / 4, y1 = (int)Math.Ceiling((r + 1) * side / 4.0);
                    int x0 = c * side / 4, x1 = (int)Math.Ceiling((c + 1) * side / 4.0);
                    var window = new List<long>();
                    for (int y = y0; y < y1; y++)
                    {
                        for (int x = x0; x < x1; x++)
                        {
                            window.Add(offset + y * side + x);
                        }
                    }

                    var expected = features[t].index_select(0, tensor(window.ToArray())).mean([0]);
                    double error = (expected - tokens[t, r * 4 + c]).abs().max().item<double>();
                    Assert.True(error <= 1e-4 * expected.abs().max().item<double>() + 1e-6, $"{folder} tile {t} cell ({r},{c}): max error {error}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(LlavaKinds))]
    public void Pool_reducer_generates_and_chats_on_every_llava_kind(string folder)
    {
        string image = folder.Contains("next", StringComparison.Ordinal) ? WidePhoto : Coffee;
        CliResult generated = CliRunner.Run("generate", "--model", Fixtures.Path(folder), "--image", image, "--prompt", "What is shown?",
            "--reducer", "pool", "--dominant", "12", "--contextual", "4", "--greedy", "--max-new-tokens", "3", "--json");
        Assert.True(generated.ExitCode == 0, generated.ToString());
        using var json = JsonDocument.Parse(generated.Output);
        int after = json.RootElement.GetProperty("visual_tokens_after").GetInt32();
        int tiles = folder.Contains("next", StringComparison.Ordinal) ? 4 : 1;
        Assert.Equal(16 * tiles, after);

        CliResult chat = CliRunner.RunWithInput("What is shown?\nAnd then?\n", "chat", "--model", Fixtures.Path(folder), "--image", image,
            "--reducer", "pool", "--greedy", "--max-new-tokens", "3");
        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.Equal(2, chat.Output.Split('\n').Count(line => line.Contains("tokens prefilled", StringComparison.Ordinal)));
    }
}

using VisionZip.Models.IO;
using VisionZip.Models.Imaging;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Imaging;

/// <summary>The fixture photos, decoded once, and golden access for the imaging tests.</summary>
internal static class Photos
{
    private static readonly Lazy<RgbImage> CoffeeImage = new(() => ImageDecoder.Load(Fixtures.Path("images", "coffee.png")));
    private static readonly Lazy<RgbImage> AstronautImage = new(() => ImageDecoder.Load(Fixtures.Path("images", "astronaut.png")));
    private static readonly Lazy<RgbImage> CoffeeWideImage = new(() => ImageDecoder.Load(Fixtures.Path("images", "coffee_wide.png")));

    /// <summary>coffee.png, 600x400.</summary>
    public static RgbImage Coffee => CoffeeImage.Value;

    /// <summary>astronaut.png, 512x512.</summary>
    public static RgbImage Astronaut => AstronautImage.Value;

    /// <summary>coffee_wide.png, 600x250.</summary>
    public static RgbImage CoffeeWide => CoffeeWideImage.Value;

    /// <summary>A photo by the name golden.json uses ('../images/coffee.png').</summary>
    public static RgbImage ByGoldenName(string name) => Path.GetFileName(name) switch
    {
        "coffee.png" => Coffee,
        "astronaut.png" => Astronaut,
        "coffee_wide.png" => CoffeeWide,
        _ => throw new ArgumentException($"unknown fixture photo {name}"),
    };

    /// <summary>Opens a fixture folder's golden.safetensors.</summary>
    public static SafetensorsFile Golden(string folder) => SafetensorsFile.Open(Fixtures.Path(folder, "golden.safetensors"));
}

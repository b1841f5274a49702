using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace VisionZip.Tests.Imaging;

/// <summary>Small encoded images built in memory: Skia's PNG/JPEG/WebP encoders and hand-written PNG, BMP and GIF files.</summary>
internal static class TestImages
{
    /// <summary>Encodes RGBA (unpremultiplied) pixels with Skia.</summary>
    public static byte[] Encode(int width, int height, byte[] rgba, SKEncodedImageFormat format, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        rgba.CopyTo(bitmap.GetPixelSpan());
        using var pixmap = bitmap.PeekPixels();
        using var data = format == SKEncodedImageFormat.Webp
            ? pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
            : pixmap.Encode(format, quality);
        Assert.NotNull(data);
        return data.ToArray();
    }

    /// <summary>RGBA pixels of a two-colour image: left half <paramref name="left"/>, right half <paramref name="right"/>.</summary>
    public static byte[] Halves(int width, int height, SKColor left, SKColor right)
    {
        var rgba = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var colour = x < width / 2 ? left : right;
                int i = (y * width + x) * 4;
                (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = (colour.Red, colour.Green, colour.Blue, colour.Alpha);
            }
        }

        return rgba;
    }

    /// <summary>A PNG of 8-bit samples: colour type 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA; rows without filter bytes.</summary>
    public static byte[] Png(int width, int height, byte colourType, byte[] samples, byte[]? palette = null, byte[]? transparency = null)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = colourType;
        Chunk(output, "IHDR", header);
        if (palette is not null)
        {
            Chunk(output, "PLTE", palette);
        }

        if (transparency is not null)
        {
            Chunk(output, "tRNS", transparency);
        }

        int rowBytes = height == 0 ? 0 : samples.Length / height;
        using var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            raw.Write(samples, y * rowBytes, rowBytes);
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw.ToArray());
        }

        Chunk(output, "IDAT", compressed.ToArray());
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A 24-bit bottom-up BMP (BITMAPINFOHEADER, BI_RGB) from RGB pixels.</summary>
    public static byte[] Bmp(int width, int height, byte[] rgb)
    {
        int stride = (width * 3 + 3) & ~3;
        int size = 54 + stride * height;
        var file = new byte[size];
        file[0] = (byte)'B';
        file[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(2), size);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(28), 24);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * stride;
            for (int x = 0; x < width; x++)
            {
                int from = (y * width + x) * 3;
                file[row + x * 3] = rgb[from + 2];
                file[row + x * 3 + 1] = rgb[from + 1];
                file[row + x * 3 + 2] = rgb[from];
            }
        }

        return file;
    }

    /// <summary>
    /// A 2x2 GIF87a with a 4-colour global palette and pixel indices 0, 1 / 2, 3. LZW with 3-bit codes and a clear
    /// code after every second pixel, so the code width never grows.
    /// </summary>
    public static byte[] Gif2x2(byte[] paletteRgb)
    {
        using var output = new MemoryStream();
        output.Write(Encoding.ASCII.GetBytes("GIF87a"));
        output.Write([2, 0, 2, 0, 0b1000_0001, 0, 0]); // 2x2, global table of 2^(1+1) = 4 colours
        output.Write(paletteRgb);
        output.Write([0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0]); // image descriptor at (0,0), 2x2, no local table
        const int clear = 4, end = 5;
        int[] codes = [clear, 0, 1, clear, 2, 3, end];
        int bits = 0, bitCount = 0;
        var packed = new List<byte>();
        foreach (int code in codes)
        {
            bits |= code << bitCount;
            bitCount += 3;
            while (bitCount >= 8)
            {
                packed.Add((byte)bits);
                bits >>= 8;
                bitCount -= 8;
            }
        }

        if (bitCount > 0)
        {
            packed.Add((byte)bits);
        }

        output.WriteByte(2); // LZW minimum code size
        output.WriteByte((byte)packed.Count);
        output.Write(packed.ToArray());
        output.WriteByte(0); // block terminator
        output.WriteByte(0x3B); // trailer
        return output.ToArray();
    }

    /// <summary>Inserts an EXIF APP1 segment with the given orientation right after a JPEG's SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, // little-endian TIFF header, IFD0 at 8
            0x01, 0x00,                                               // one entry
            0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,           // tag 0x0112 Orientation, SHORT, count 1
            (byte)orientation, (byte)(orientation >> 8), 0x00, 0x00,  // value
            0x00, 0x00, 0x00, 0x00,                                   // no next IFD
        ];
        byte[] exif = [.. "Exif\0\0"u8, .. tiff];
        int length = exif.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif];
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        output.Write(number);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        output.Write(number);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}

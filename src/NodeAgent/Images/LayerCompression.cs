using System.IO.Compression;
using ZstdSharp;

namespace Flotilla.NodeAgent.Images;

/// <summary>Recognises a layer's compression by its magic bytes (gzip, zstd, or none) and decompresses it.</summary>
internal static class LayerCompression
{
    private static readonly byte[] GzipMagic = [0x1f, 0x8b];
    private static readonly byte[] ZstdMagic = [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>Wraps <paramref name="file"/> (positioned at its start) in the decompressor its content needs.</summary>
    public static Stream Decompress(FileStream file)
    {
        var magic = new byte[4];
        var read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        file.Position = 0;
        if (read >= 2 && magic.AsSpan(0, 2).SequenceEqual(GzipMagic))
        {
            return new GZipStream(file, CompressionMode.Decompress);
        }

        return read >= 4 && magic.AsSpan().SequenceEqual(ZstdMagic) ? new DecompressionStream(file) : file;
    }

    /// <summary>The OCI layer media type matching a layer file's compression.</summary>
    public static string DetectMediaType(string path)
    {
        using var file = File.OpenRead(path);
        using var decompressed = Decompress(file);
        return decompressed switch
        {
            GZipStream => MediaTypes.OciLayerGzip,
            DecompressionStream => MediaTypes.OciLayerZstd,
            _ => MediaTypes.OciLayer,
        };
    }
}

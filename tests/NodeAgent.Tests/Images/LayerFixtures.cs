using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Flotilla.NodeAgent.Images;
using Compression = Flotilla.TestSupport.Images.LayerCompression;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>A layer store in a temporary directory plus helpers to unpack tarballs into it.</summary>
internal sealed class LayerFixtures : IDisposable
{
    public LayerFixtures()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        Store = new LayerStore(Path.Combine(Root, "layers"));
        Blobs = Path.Combine(Root, "blobs");
        Directory.CreateDirectory(Blobs);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"flotilla-layers-{Guid.NewGuid():N}");

    /// <summary>A directory beside the layer store that no layer may touch.</summary>
    public string Outside => Path.Combine(Root, "outside");

    public LayerStore Store { get; }

    public string Blobs { get; }

    public string LayerTemp => Path.Combine(Root, "layers", "tmp");

    public static string DigestOf(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Compresses <paramref name="tar"/>, stores it as a blob and unpacks it as a single-layer chain.</summary>
    public async Task<string> UnpackAsync(byte[] tar, Compression compression = Compression.Gzip, long maxBytes = 1L << 30, string? diffId = null)
    {
        var blob = Compress(tar, compression);
        var path = Path.Combine(Blobs, Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(path, blob);
        var id = diffId ?? DigestOf(tar);
        await Store.EnsureAsync(id, DigestOf(tar), path, maxBytes, CancellationToken.None);
        return Store.DiffPath(id);
    }

    public static byte[] Compress(byte[] tar, Compression compression)
    {
        switch (compression)
        {
            case Compression.Gzip:
                using (var output = new MemoryStream())
                {
                    using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gzip.Write(tar);
                    }

                    return output.ToArray();
                }

            case Compression.Zstd:
                using (var compressor = new ZstdSharp.Compressor(level: 3))
                {
                    return compressor.Wrap(tar).ToArray();
                }

            default:
                return tar;
        }
    }

    /// <summary>Writes a tar from raw entries (for ownership, devices and other headers the layer builder does not offer).</summary>
    public static byte[] Tar(params TarEntry[] entries)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

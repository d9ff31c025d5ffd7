using System.Formats.Tar;
using System.Text.Json.Nodes;

namespace Flotilla.TestSupport.Images;

/// <summary>
/// Writes what <c>docker save</c> writes since Docker 25: an OCI layout whose layers are plain tars,
/// plus <c>manifest.json</c> (read by every <c>docker load</c>) and <c>repositories</c>.
/// </summary>
internal static class DockerArchiveWriter
{
    public static async Task WriteAsync(string path, string repoTag, OciImage image, CancellationToken cancellationToken)
    {
        var colon = repoTag.LastIndexOf(':');
        if (colon <= 0 || repoTag.IndexOf('/', colon) >= 0)
        {
            throw new ArgumentException($"'{repoTag}' is not name:tag", nameof(repoTag));
        }

        var plain = image.WithUncompressedLayers();
        var dockerManifest = new JsonArray(new JsonObject
        {
            ["Config"] = BlobPath(plain.Config),
            ["RepoTags"] = new JsonArray(repoTag),
            ["Layers"] = new JsonArray([.. plain.Layers.Select(l => (JsonNode)BlobPath(l.Blob))]),
        });
        var repositories = new JsonObject
        {
            [repoTag[..colon]] = new JsonObject { [repoTag[(colon + 1)..]] = plain.Layers[^1].DiffId["sha256:".Length..] },
        };
        var index = OciLayoutWriter.BuildIndex(repoTag[(colon + 1)..], plain.Manifest, plain.Platform, null);
        index["manifests"]![0]!["annotations"]!.AsObject()["io.containerd.image.name"] = repoTag;

        await using var file = File.Create(path);
        await using var writer = new TarWriter(file, TarEntryFormat.Ustar, leaveOpen: false);
        await WriteDirectoryAsync(writer, "blobs/", cancellationToken);
        await WriteDirectoryAsync(writer, "blobs/sha256/", cancellationToken);
        foreach (var blob in plain.Blobs.DistinctBy(b => b.Digest))
        {
            await WriteFileAsync(writer, BlobPath(blob), blob.ContentArray, cancellationToken);
        }

        await WriteFileAsync(writer, "oci-layout", OciLayoutWriter.LayoutFile, cancellationToken);
        await WriteFileAsync(writer, "index.json", ImageJson.Serialize(index), cancellationToken);
        await WriteFileAsync(writer, "manifest.json", ImageJson.Serialize(dockerManifest), cancellationToken);
        await WriteFileAsync(writer, "repositories", ImageJson.Serialize(repositories), cancellationToken);
    }

    private static string BlobPath(OciBlob blob) => $"blobs/sha256/{blob.Hex}";

    private static Task WriteDirectoryAsync(TarWriter writer, string name, CancellationToken cancellationToken) =>
        writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101, ModificationTime = LayerBuilder.Timestamp }, cancellationToken);

    private static Task WriteFileAsync(TarWriter writer, string name, byte[] content, CancellationToken cancellationToken) =>
        writer.WriteEntryAsync(
            new UstarTarEntry(TarEntryType.RegularFile, name)
            {
                Mode = (UnixFileMode)0b110_100_100,
                ModificationTime = LayerBuilder.Timestamp,
                DataStream = new MemoryStream(content, writable: false),
            },
            cancellationToken);
}

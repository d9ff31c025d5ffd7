using System.Text.Json.Nodes;

namespace Flotilla.TestSupport.Images;

/// <summary>Writes OCI image layouts: <c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>.</summary>
internal static class OciLayoutWriter
{
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    public static readonly byte[] LayoutFile = "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray();

    public static async Task WriteAsync(
        string directory, string tag, OciBlob manifest, IEnumerable<OciBlob> blobs, OciPlatform platform, CancellationToken cancellationToken)
    {
        var blobDirectory = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobDirectory);
        foreach (var blob in blobs.DistinctBy(b => b.Digest))
        {
            var path = Path.Combine(blobDirectory, blob.Hex);
            if (!File.Exists(path))
            {
                await File.WriteAllBytesAsync(path, blob.ContentArray, cancellationToken);
            }
        }

        var indexPath = Path.Combine(directory, "index.json");
        var existing = File.Exists(indexPath) ? JsonNode.Parse(await File.ReadAllBytesAsync(indexPath, cancellationToken)) : null;
        var index = BuildIndex(tag, manifest, platform, existing?["manifests"]?.AsArray());
        await File.WriteAllBytesAsync(Path.Combine(directory, "oci-layout"), LayoutFile, cancellationToken);
        await File.WriteAllBytesAsync(indexPath, ImageJson.Serialize(index), cancellationToken);
    }

    /// <summary>An <c>index.json</c> naming <paramref name="manifest"/> as <paramref name="tag"/>, keeping other names.</summary>
    public static JsonObject BuildIndex(string tag, OciBlob manifest, OciPlatform platform, JsonArray? existing)
    {
        var descriptor = manifest.ToDescriptor();
        descriptor["platform"] = new JsonObject { ["architecture"] = platform.Architecture, ["os"] = platform.Os };
        descriptor["annotations"] = new JsonObject { [RefNameAnnotation] = tag };
        var kept = (existing ?? [])
            .Where(m => (string?)m?["annotations"]?[RefNameAnnotation] != tag)
            .Select(m => m!.DeepClone());
        return new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray([.. kept, descriptor]),
        };
    }
}

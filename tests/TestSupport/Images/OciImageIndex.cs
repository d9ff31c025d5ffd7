using System.Text.Json.Nodes;

namespace Flotilla.TestSupport.Images;

/// <summary>An image index: one tag naming an image per platform.</summary>
public sealed class OciImageIndex
{
    /// <summary>Builds the index over <paramref name="images"/>, each described with its platform.</summary>
    public OciImageIndex(IReadOnlyList<OciImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        Images = images;
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray([.. images.Select(i =>
            {
                var descriptor = i.Manifest.ToDescriptor();
                descriptor["platform"] = new JsonObject { ["architecture"] = i.Platform.Architecture, ["os"] = i.Platform.Os };
                return (JsonNode)descriptor;
            })]),
        };
        Index = new OciBlob(MediaTypes.OciIndex, ImageJson.Serialize(index));
    }

    /// <summary>The index blob; its digest is what the tag resolves to.</summary>
    public OciBlob Index { get; }

    /// <summary>The images it lists.</summary>
    public IReadOnlyList<OciImage> Images { get; }

    /// <summary>Pushes every image by digest, then the index as <paramref name="repository"/>:<paramref name="tag"/>; returns the index digest.</summary>
    public async Task<string> PushAsync(string registry, string repository, string tag, CancellationToken cancellationToken = default)
    {
        foreach (var image in Images)
        {
            await RegistryPusher.PushAsync(registry, repository, image.Manifest.Digest, image.Manifest, image.Blobs.Skip(1), cancellationToken);
        }

        return await RegistryPusher.PushAsync(registry, repository, tag, Index, [], cancellationToken);
    }
}

namespace Flotilla.NodeAgent.Images;

/// <summary>What the catalog keeps per image: the public record and the manifest that names its blobs.</summary>
internal sealed record StoredImage(
    ImageRecord Record,
    string ManifestDigest,
    string ManifestMediaType,
    long ManifestSize,
    IReadOnlyList<string> LayerDigests)
{
    /// <summary>Every blob the image needs: manifest, config, layers.</summary>
    public IEnumerable<string> Blobs => [ManifestDigest, Record.Id, .. LayerDigests];
}

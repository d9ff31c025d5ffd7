using System.Text.Json.Nodes;

namespace Flotilla.TestSupport.Images;

/// <summary>
/// A built image: its manifest, config and layers, with digests. Push it to a registry, write it
/// as an OCI image layout, or as a <c>docker save</c>-style archive.
/// </summary>
public sealed class OciImage
{
    internal OciImage(OciBlob manifest, OciBlob config, IReadOnlyList<OciLayer> layers, OciPlatform platform)
    {
        Manifest = manifest;
        Config = config;
        Layers = layers;
        Platform = platform;
    }

    /// <summary>The manifest; its digest is the image's identity in a registry.</summary>
    public OciBlob Manifest { get; }

    /// <summary>The image config (entrypoint, env, rootfs diff ids...).</summary>
    public OciBlob Config { get; }

    /// <summary>The layers, lowest first.</summary>
    public IReadOnlyList<OciLayer> Layers { get; }

    /// <summary>OS and architecture from the config.</summary>
    public OciPlatform Platform { get; }

    /// <summary>The manifest, config and layer blobs.</summary>
    public IEnumerable<OciBlob> Blobs => Layers.Select(l => l.Blob).Prepend(Config).Prepend(Manifest);

    /// <summary>
    /// Pushes the blobs and the manifest to <paramref name="registry"/> (<c>host:port</c>, plain
    /// HTTP) as <paramref name="repository"/>:<paramref name="tag"/>; returns the manifest digest.
    /// </summary>
    public Task<string> PushAsync(string registry, string repository, string tag, CancellationToken cancellationToken = default) =>
        RegistryPusher.PushAsync(registry, repository, tag, Manifest, Blobs.Skip(1), cancellationToken);

    /// <summary>
    /// Writes the image into the OCI image layout at <paramref name="directory"/> (created, or
    /// added to when it already holds a layout), named <paramref name="tag"/> through the
    /// <c>org.opencontainers.image.ref.name</c> annotation.
    /// </summary>
    public Task WriteOciLayoutAsync(string directory, string tag, CancellationToken cancellationToken = default) =>
        OciLayoutWriter.WriteAsync(directory, tag, Manifest, Blobs, Platform, cancellationToken);

    /// <summary>
    /// Writes a <c>docker save</c>-style archive that <c>docker load</c> accepts: an OCI layout
    /// with uncompressed layers plus Docker's <c>manifest.json</c> and <c>repositories</c>, as
    /// Docker 25 and later write it. <paramref name="repoTag"/> is e.g. <c>busybox:1.0</c>.
    /// </summary>
    public Task WriteDockerArchiveAsync(string path, string repoTag, CancellationToken cancellationToken = default) =>
        DockerArchiveWriter.WriteAsync(path, repoTag, this, cancellationToken);

    /// <summary>This image with plain tar layers (what <c>docker save</c> writes); same config and diff ids.</summary>
    public OciImage WithUncompressedLayers()
    {
        var layers = Layers
            .Select(l => l.Compression == LayerCompression.None ? l : new OciLayer(new OciBlob(MediaTypes.OciLayer, l.Tar.ToArray()), l.Tar.ToArray(), LayerCompression.None, l.CreatedBy))
            .ToList();
        var config = Config.MediaType == MediaTypes.OciConfig ? Config : new OciBlob(MediaTypes.OciConfig, Config.ContentArray);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = config.ToDescriptor(),
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)l.Blob.ToDescriptor())]),
        };
        return new OciImage(new OciBlob(MediaTypes.OciManifest, ImageJson.Serialize(manifest)), config, layers, Platform);
    }
}

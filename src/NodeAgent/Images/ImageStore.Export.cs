using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flotilla.NodeAgent.Images;

internal sealed partial class ImageStore
{
    private const UnixFileMode EntryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Writes images as one tar that both <c>docker load</c> generations read: <c>manifest.json</c> and
    /// <c>repositories</c> (the docker-save format) over an OCI image layout (<c>oci-layout</c>, <c>index.json</c>,
    /// <c>blobs/sha256/</c>), as docker 25 and later write it. Layers go in uncompressed, named by their diff id,
    /// so engines that cannot read zstd load them too. Every name is resolved before the first byte is written.
    /// </summary>
    public async Task SaveArchiveAsync(IReadOnlyList<string> references, Stream output, CancellationToken cancellationToken)
    {
        if (references.Count == 0)
        {
            throw new ArgumentException("name at least one image to save");
        }

        var images = ResolveForSave(references);
        using var lease = Lease([.. images.SelectMany(i => i.Image.Blobs)]);
        var missing = images.SelectMany(i => i.Image.Blobs).FirstOrDefault(b => !File.Exists(_content.BlobPath(b)));
        if (missing is not null)
        {
            throw new InvalidOperationException($"blob {missing} is missing from the content store: remove the image and pull or load it again");
        }

        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var dockerManifest = new JsonArray();
        var repositories = new JsonObject();
        var index = new List<OciDescriptor>();
        await using (var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            await tar.WriteEntryAsync(DirectoryEntry("blobs/"), cancellationToken);
            await tar.WriteEntryAsync(DirectoryEntry("blobs/sha256/"), cancellationToken);
            foreach (var (image, tags) in images)
            {
                var record = image.Record;
                var configSize = await WriteBlobAsync(tar, record.Id, _content.BlobPath(record.Id), sizes, cancellationToken);
                var layers = new List<OciDescriptor>();
                for (var i = 0; i < record.DiffIds.Count; i++)
                {
                    var size = await WriteLayerAsync(tar, image.LayerDigests[i], record.DiffIds[i], sizes, cancellationToken);
                    layers.Add(new OciDescriptor(MediaTypes.OciLayer, record.DiffIds[i], size));
                }

                var manifest = new OciManifest(2, MediaTypes.OciManifest, new OciDescriptor(MediaTypes.OciConfig, record.Id, configSize), layers);
                var body = JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.TypeInfo<OciManifest>(OciJson.Options));
                var manifestDigest = Digests.Of(body);
                if (sizes.TryAdd(manifestDigest, body.Length))
                {
                    await WriteFileAsync(tar, BlobName(manifestDigest), new MemoryStream(body, writable: false), cancellationToken);
                }

                var descriptor = new OciDescriptor(MediaTypes.OciManifest, manifestDigest, body.Length)
                {
                    Platform = new OciPlatform(record.Architecture, record.Os),
                };
                index.AddRange(tags.Count == 0 ? [descriptor] : tags.Select(t => descriptor with { Annotations = IndexAnnotations(t) }));
                dockerManifest.Add((JsonNode)new JsonObject
                {
                    ["Config"] = BlobName(record.Id),
                    ["RepoTags"] = tags.Count == 0 ? null : new JsonArray([.. tags.Select(t => (JsonNode)t)]),
                    ["Layers"] = new JsonArray([.. record.DiffIds.Select(d => (JsonNode)BlobName(d))]),
                });
                AddRepositories(repositories, tags, record.DiffIds);
            }

            var indexBody = JsonSerializer.SerializeToUtf8Bytes(new OciIndex(2, MediaTypes.OciIndex, index), OciJson.TypeInfo<OciIndex>(OciJson.Options));
            await WriteFileAsync(tar, "index.json", new MemoryStream(indexBody, writable: false), cancellationToken);
            await WriteFileAsync(tar, "manifest.json", new MemoryStream(Utf8(dockerManifest), writable: false), cancellationToken);
            await WriteFileAsync(tar, "oci-layout", new MemoryStream("""{"imageLayoutVersion":"1.0.0"}"""u8.ToArray(), writable: false), cancellationToken);
            await WriteFileAsync(tar, "repositories", new MemoryStream(Utf8(repositories), writable: false), cancellationToken);
        }

        ImageStoreLog.SavedArchive(_logger, string.Join(", ", references), images.Count);
    }

    private static byte[] Utf8(JsonNode node) => System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());

    /// <summary>The images the references name, each once, with the tags the references named (none for an id or digest).</summary>
    private List<(StoredImage Image, List<string> Tags)> ResolveForSave(IReadOnlyList<string> references)
    {
        var images = new List<(StoredImage Image, List<string> Tags)>();
        lock (_gate)
        {
            foreach (var reference in references)
            {
                var (image, tag) = _catalog.Find(reference) ?? throw new ImageNotFoundException(reference);
                var entry = images.Find(i => i.Image.Record.Id == image.Record.Id);
                if (entry.Image is null)
                {
                    entry = (image, []);
                    images.Add(entry);
                }

                if (tag is not null && !entry.Tags.Contains(tag))
                {
                    entry.Tags.Add(tag);
                }
            }
        }

        return images;
    }

    /// <summary>The legacy <c>repositories</c> file: repository → tag → the image's top layer.</summary>
    private static void AddRepositories(JsonObject repositories, IEnumerable<string> tags, IReadOnlyList<string> diffIds)
    {
        if (diffIds.Count == 0)
        {
            return;
        }

        foreach (var tag in tags)
        {
            var colon = tag.LastIndexOf(':');
            var repository = repositories[tag[..colon]] as JsonObject ?? [];
            repository[tag[(colon + 1)..]] = Digests.Hex(diffIds[^1]);
            repositories[tag[..colon]] = repository;
        }
    }

    /// <summary>Writes a layer as the uncompressed tar its diff id names, decompressing a stored gzip or zstd blob.</summary>
    private async Task<long> WriteLayerAsync(TarWriter tar, string blobDigest, string diffId, Dictionary<string, long> sizes, CancellationToken cancellationToken)
    {
        if (sizes.TryGetValue(diffId, out var known))
        {
            return known;
        }

        if (blobDigest == diffId)
        {
            return await WriteBlobAsync(tar, diffId, _content.BlobPath(blobDigest), sizes, cancellationToken);
        }

        var temp = Path.Join(_content.IngestDirectory, "save-" + Guid.NewGuid().ToString("N"));
        try
        {
            string digest;
            await using (var source = new FileStream(_content.BlobPath(blobDigest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
            await using (var decompressed = new DigestingReadStream(LayerCompression.Decompress(source), _options.MaxLayerSize, $"layer {blobDigest}"))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await decompressed.CopyToAsync(file, 1 << 17, cancellationToken);
                digest = decompressed.Digest;
            }

            if (digest != diffId)
            {
                throw new InvalidImageContentException($"layer {blobDigest} decompresses to {digest}, not its diff id {diffId}: the content store is damaged; remove the image and pull or load it again");
            }

            return await WriteBlobAsync(tar, diffId, temp, sizes, cancellationToken);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task<long> WriteBlobAsync(TarWriter tar, string digest, string path, Dictionary<string, long> sizes, CancellationToken cancellationToken)
    {
        if (sizes.TryGetValue(digest, out var known))
        {
            return known;
        }

        var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var size = sizes[digest] = input.Length;
        await WriteFileAsync(tar, BlobName(digest), input, cancellationToken);
        return size;
    }

    /// <summary>Writes <paramref name="content"/> as a file entry and disposes it.</summary>
    private static async Task WriteFileAsync(TarWriter tar, string name, Stream content, CancellationToken cancellationToken)
    {
        await using (content)
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = content,
                Mode = EntryMode,
                ModificationTime = DateTimeOffset.UnixEpoch,
            };
            await tar.WriteEntryAsync(entry, cancellationToken);
        }
    }

    private static UstarTarEntry DirectoryEntry(string name) => new(TarEntryType.Directory, name)
    {
        Mode = EntryMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute,
        ModificationTime = DateTimeOffset.UnixEpoch,
    };

    private static string BlobName(string digest) => "blobs/sha256/" + Digests.Hex(digest);

    /// <summary>The names containerd and docker read back from an index entry (<c>docker.io/library/busybox:1.0</c>, <c>1.0</c>).</summary>
    private static Dictionary<string, string>? IndexAnnotations(string tag) =>
        ImageReference.TryParse(tag, out var parsed, out _) && parsed.Tag is { } name
            ? new() { [ContainerdNameAnnotation] = $"{parsed.Domain}/{parsed.Repository}:{name}", [RefNameAnnotation] = name }
            : null;
}

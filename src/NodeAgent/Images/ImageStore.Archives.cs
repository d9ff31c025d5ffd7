using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.NodeAgent.Images;

internal sealed partial class ImageStore
{
    private const string ContainerdNameAnnotation = "io.containerd.image.name";
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            return await LoadOciLayoutAsync(path, cancellationToken);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"nothing to load at {path}: give an OCI image layout directory or a 'docker save' archive", path);
        }

        return await LoadArchiveFileAsync(path, path, cancellationToken);
    }

    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(Stream archive, CancellationToken cancellationToken)
    {
        var upload = Path.Join(_content.IngestDirectory, "upload-" + Guid.NewGuid().ToString("N"));
        try
        {
            long length;
            await using (var file = new FileStream(upload, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await archive.CopyToAsync(file, 1 << 17, cancellationToken);
                length = file.Length;
            }

            return length == 0
                ? throw new InvalidImageContentException("the archive is empty: send a 'docker save' archive or an OCI layout as a tar")
                : await LoadArchiveFileAsync(upload, "the archive", cancellationToken);
        }
        finally
        {
            File.Delete(upload);
        }
    }

    private async Task<IReadOnlyList<ImageRecord>> LoadArchiveFileAsync(string path, string what, CancellationToken cancellationToken)
    {
        var work = Path.Join(_content.IngestDirectory, "load-" + Guid.NewGuid().ToString("N"));
        try
        {
            var archive = await ArchiveExtractor.ExtractAsync(path, what, work, cancellationToken);
            if (archive.Exists("manifest.json"))
            {
                return await LoadDockerArchiveAsync(archive, cancellationToken);
            }

            return archive.Exists("oci-layout")
                ? await LoadOciLayoutAsync(work, cancellationToken)
                : throw new InvalidImageContentException($"{what} is neither a 'docker save' archive (no manifest.json) nor an OCI image layout (no oci-layout)");
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    public async Task SaveOciLayoutAsync(string reference, string directory, CancellationToken cancellationToken)
    {
        StoredImage image;
        string? tag;
        lock (_gate)
        {
            (image, tag) = _catalog.Find(reference) ?? throw new ImageNotFoundException(reference);
        }

        using var lease = Lease([.. image.Blobs]);
        var blobs = Path.Join(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        foreach (var blob in image.Blobs.Distinct())
        {
            var target = Path.Join(blobs, Digests.Hex(blob));
            var source = new FileInfo(_content.BlobPath(blob));
            if (!source.Exists)
            {
                throw new InvalidOperationException($"blob {blob} of image {image.Record.Id} is missing from the content store: pull or load the image again");
            }

            if (!File.Exists(target) || new FileInfo(target).Length != source.Length)
            {
                await using var input = source.OpenRead();
                await using var output = File.Create(target + ".tmp");
                await input.CopyToAsync(output, cancellationToken);
                output.Close();
                File.Move(target + ".tmp", target, overwrite: true);
            }
        }

        var name = tag ?? image.Record.RepoTags.FirstOrDefault();
        var annotations = name is null ? null : IndexAnnotations(name);
        var index = new OciIndex(2, MediaTypes.OciIndex, [new OciDescriptor(image.ManifestMediaType, image.ManifestDigest, image.ManifestSize)
        {
            Platform = new OciPlatform(image.Record.Architecture, image.Record.Os),
            Annotations = annotations,
        }]);
        await File.WriteAllTextAsync(Path.Join(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""", cancellationToken);
        await File.WriteAllBytesAsync(Path.Join(directory, "index.json"), JsonSerializer.SerializeToUtf8Bytes(index, OciJson.TypeInfo<OciIndex>(OciJson.Options)), cancellationToken);
        ImageStoreLog.Saved(_logger, reference, directory);
    }

    private async Task<IReadOnlyList<ImageRecord>> LoadOciLayoutAsync(string directory, CancellationToken cancellationToken)
    {
        var layoutFile = Path.Join(directory, "oci-layout");
        if (!File.Exists(layoutFile) || !File.ReadAllText(layoutFile).Contains("imageLayoutVersion", StringComparison.Ordinal))
        {
            throw new InvalidImageContentException($"{directory} is not an OCI image layout: it has no oci-layout file with an imageLayoutVersion");
        }

        var indexFile = Path.Join(directory, "index.json");
        if (!File.Exists(indexFile))
        {
            throw new InvalidImageContentException($"{directory} is not an OCI image layout: it has no index.json");
        }

        var index = ManifestDocument.ParseIndex(await File.ReadAllBytesAsync(indexFile, cancellationToken), $"{directory}/index.json");
        var loaded = new List<ImageRecord>();
        foreach (var entry in index.Manifests)
        {
            var fetched = await ReadLayoutManifestAsync(directory, entry, cancellationToken);
            if (MediaTypes.IsIndex(fetched.MediaType))
            {
                var what = $"index {entry.Digest} in {directory}";
                var selected = ManifestDocument.SelectPlatform(ManifestDocument.ParseIndex(fetched.Body, what), _options.Platform, what);
                fetched = await ReadLayoutManifestAsync(directory, selected, cancellationToken);
            }

            var manifest = ManifestDocument.ParseManifest(fetched.Body, fetched.MediaType, $"manifest {fetched.Digest} in {directory}");
            var name = entry.Annotations?.GetValueOrDefault(ContainerdNameAnnotation) ?? entry.Annotations?.GetValueOrDefault(RefNameAnnotation);
            var tags = name is not null && (name.Contains('/', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal))
                && ImageReference.TryParse(name, out var parsed, out _) && parsed.FamiliarTag is { } tag
                    ? new[] { tag }
                    : [];
            var request = new InstallRequest(fetched.Digest, fetched.MediaType, fetched.Body, manifest, tags, []);
            var stored = await InstallAsync(request, (blob, writer, progress, token) => CopyLayoutBlobAsync(directory, blob, writer, progress, token), null, cancellationToken);
            ImageStoreLog.Loaded(_logger, stored.Record.Id, string.Join(",", tags), directory);
            loaded.Add(stored.Record with { RepoTags = tags });
        }

        return loaded;
    }

    private static async Task<FetchedManifest> ReadLayoutManifestAsync(string directory, OciDescriptor descriptor, CancellationToken cancellationToken)
    {
        var what = $"manifest {descriptor.Digest} in {directory}";
        if (!MediaTypes.IsManifest(descriptor.MediaType) && !MediaTypes.IsIndex(descriptor.MediaType))
        {
            throw new InvalidImageContentException($"{what} has media type {descriptor.MediaType}, which is not an image manifest or index; refused");
        }

        var path = LayoutBlobPath(directory, descriptor.Digest);
        if (!File.Exists(path))
        {
            throw new InvalidImageContentException($"{what} is missing from {directory}/blobs");
        }

        var body = await File.ReadAllBytesAsync(path, cancellationToken);
        var fetched = new FetchedManifest(body, ManifestDocument.ResolveMediaType(descriptor.MediaType, body, what), Digests.Of(body));
        ManifestDocument.Verify(descriptor, fetched, what);
        return fetched;
    }

    private static async Task CopyLayoutBlobAsync(string directory, OciDescriptor blob, BlobWriter writer, Action<long> progress, CancellationToken cancellationToken)
    {
        var path = LayoutBlobPath(directory, blob.Digest);
        if (!File.Exists(path))
        {
            throw new InvalidImageContentException($"blob {blob.Digest} is missing from {directory}/blobs");
        }

        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await writer.AppendAsync(input, cancellationToken, read => progress(read));
    }

    private static string LayoutBlobPath(string directory, string digest) => Path.Join(directory, "blobs", "sha256", Digests.Hex(digest));

    private async Task<IReadOnlyList<ImageRecord>> LoadDockerArchiveAsync(ExtractedArchive archive, CancellationToken cancellationToken)
    {
        var entries = OciJson.Parse<List<DockerArchiveEntry>>(await File.ReadAllBytesAsync(archive.Resolve("manifest.json"), cancellationToken), "manifest.json of the archive");
        var loaded = new List<ImageRecord>();
        foreach (var entry in entries)
        {
            var written = new List<string>();
            try
            {
                var config = await ImportArchiveBlobAsync(archive, entry.Config, written, cancellationToken);
                var layers = new List<OciDescriptor>();
                foreach (var layer in entry.Layers ?? [])
                {
                    var descriptor = await ImportArchiveBlobAsync(archive, layer, written, cancellationToken);
                    layers.Add(descriptor with { MediaType = LayerCompression.DetectMediaType(_content.BlobPath(descriptor.Digest)) });
                }

                var manifest = new OciManifest(2, MediaTypes.OciManifest, config with { MediaType = MediaTypes.OciConfig }, layers);
                var body = JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.TypeInfo<OciManifest>(OciJson.Options));
                var tags = (entry.RepoTags ?? []).Select(t => ImageReference.TryParse(t, out var parsed, out _) ? parsed.FamiliarTag : null).OfType<string>().ToList();
                var request = new InstallRequest(Digests.Of(body), MediaTypes.OciManifest, body, manifest, tags, []);
                var stored = await InstallAsync(request, (blob, _, _, _) => throw new InvalidImageContentException($"blob {blob.Digest} is missing from the archive"), null, cancellationToken);
                ImageStoreLog.Loaded(_logger, stored.Record.Id, string.Join(",", tags), "docker archive");
                loaded.Add(stored.Record with { RepoTags = tags });
            }
            catch
            {
                DeleteUnusedBlobs(written);
                throw;
            }
        }

        return loaded;
    }

    private async Task<OciDescriptor> ImportArchiveBlobAsync(ExtractedArchive archive, string? name, List<string> written, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidImageContentException("manifest.json of the archive names an empty file");
        }

        var path = archive.Resolve(name);
        if (!File.Exists(path))
        {
            throw new InvalidImageContentException($"manifest.json of the archive names {name}, which the archive does not contain");
        }

        var hex = Path.GetFileName(name);
        var expected = name.StartsWith("blobs/sha256/", StringComparison.Ordinal) && Digests.IsValid(Digests.Sha256Prefix + hex) ? Digests.Sha256Prefix + hex : null;
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var digest = await _content.WriteAsync(input, expected, input.Length, $"archive file {name}", cancellationToken);
        written.Add(digest);
        return new OciDescriptor(MediaTypes.OciLayer, digest, input.Length);
    }

    internal sealed record DockerArchiveEntry(
        [property: JsonPropertyName("Config")] string? Config,
        [property: JsonPropertyName("RepoTags")] IReadOnlyList<string>? RepoTags,
        [property: JsonPropertyName("Layers")] IReadOnlyList<string>? Layers);
}

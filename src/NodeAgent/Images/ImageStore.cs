using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// The agent's image store: blobs in a <see cref="ContentStore"/>, unpacked layers in a <see cref="LayerStore"/>,
/// images and tags in an <see cref="ImageCatalog"/>. Pulls, loads, removals and garbage collection share one lock
/// for catalog changes; blobs and layers a pull or load is working on are leased so collection leaves them alone.
/// </summary>
internal sealed partial class ImageStore : IImageStore, IDisposable
{
    private readonly ImageStoreOptions _options;
    // Resolved on first use: the container engine reads images and reports their use back, so taking
    // the usages in the constructor would make the two singletons wait on each other.
    private readonly Lazy<IEnumerable<IImageUsage>> _usages;
    private readonly ILogger<ImageStore> _logger;
    private readonly ContentStore _content;
    private readonly LayerStore _layers;
    private readonly ImageCatalog _catalog;
    private readonly HttpClient _http;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _leases = new(StringComparer.Ordinal);

    public ImageStore(IOptions<ImageStoreOptions> options, IServiceProvider services, ILogger<ImageStore> logger)
    {
        _options = options.Value;
        _usages = new(services.GetServices<IImageUsage>);
        _logger = logger;
        _content = new ContentStore(Path.Join(_options.StateDirectory, "content"));
        _layers = new LayerStore(Path.Join(_options.StateDirectory, "layers"));
        _catalog = new ImageCatalog(Path.Join(_options.StateDirectory, "content", "images.json"));
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // Redirects are followed by RegistryClient, which drops Authorization across hosts.
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = TimeSpan.FromMinutes(2), // Until response headers; bodies have RegistryClient's idle timeout.
        };
    }

    public ImageRecord? Find(string reference)
    {
        lock (_gate)
        {
            return _catalog.Find(reference)?.Image.Record;
        }
    }

    public IReadOnlyList<ImageRecord> List()
    {
        lock (_gate)
        {
            return [.. _catalog.All.Select(i => i.Record)];
        }
    }

    public IReadOnlyList<string> GetLayerDirectories(ImageRecord image)
    {
        var missing = image.ChainIds.FirstOrDefault(chainId => !_layers.Exists(chainId));
        return missing is null
            ? [.. image.ChainIds.Select(_layers.DiffPath)]
            : throw new InvalidOperationException($"layer {missing} of image {image.Id} is missing from the layer store: remove the image and pull or load it again");
    }

    public async Task RemoveAsync(string reference, bool force, CancellationToken cancellationToken)
    {
        bool deleted;
        lock (_gate)
        {
            var (image, tag) = _catalog.Find(reference) ?? throw new ImageNotFoundException(reference);
            var record = image.Record;
            if (tag is not null && record.RepoTags.Count > 1)
            {
                _catalog.Untag(image, [tag]); // Other names still point at the image.
                return;
            }

            if (tag is null && record.RepoTags.Count > 1 && !force)
            {
                throw new InvalidOperationException($"image {reference} is tagged in several repositories ({string.Join(", ", record.RepoTags)}): remove it by tag, or force the removal");
            }

            var user = _usages.Value.Select(u => u.FindUser(record.Id)).FirstOrDefault(u => u is not null);
            if (user is not null && !force)
            {
                throw new ImageInUseException(reference, user);
            }

            if (user is not null)
            {
                // Forced while a container runs on it: drop the names, keep the layers the container stands on.
                _catalog.Untag(image, record.RepoTags);
                deleted = false;
            }
            else
            {
                _catalog.Remove(record.Id);
                deleted = true;
                ImageStoreLog.Removed(_logger, record.Id);
            }
        }

        if (deleted)
        {
            await CollectGarbageAsync(cancellationToken);
        }
    }

    public Task<GarbageCollectionResult> CollectGarbageAsync(CancellationToken cancellationToken)
    {
        int blobs = 0, layers = 0;
        long bytes = 0;
        lock (_gate)
        {
            var images = _catalog.All;
            var liveBlobs = images.SelectMany(i => i.Blobs).Concat(_leases.Keys).ToHashSet(StringComparer.Ordinal);
            var liveLayers = images.SelectMany(i => i.Record.ChainIds).Concat(_leases.Keys).ToHashSet(StringComparer.Ordinal);
            foreach (var blob in _content.List().Where(b => !liveBlobs.Contains(b)).ToList())
            {
                cancellationToken.ThrowIfCancellationRequested();
                bytes += _content.Delete(blob);
                blobs++;
            }

            foreach (var layer in _layers.List().Where(l => !liveLayers.Contains(l)).ToList())
            {
                cancellationToken.ThrowIfCancellationRequested();
                bytes += _layers.Delete(layer);
                layers++;
            }
        }

        ImageStoreLog.Collected(_logger, blobs, layers, bytes);
        return Task.FromResult(new GarbageCollectionResult(blobs, layers, bytes));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Stores an image whose manifest is known: fetches missing blobs through <paramref name="fetch"/>, unpacks
    /// missing layers (in parallel, each verified against its diff id), then records the image under its names.
    /// On failure the blobs this call wrote are deleted again unless something else uses them.
    /// </summary>
    private async Task<StoredImage> InstallAsync(InstallRequest request, BlobFetcher fetch, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var manifest = request.Manifest;
        var written = new ConcurrentBag<string>();
        using var lease = Lease([request.ManifestDigest, manifest.Config.Digest, .. manifest.Layers.Select(l => l.Digest)]);
        try
        {
            await EnsureBlobAsync(manifest.Config, fetch, written, _ => { }, cancellationToken);
            var config = OciJson.Parse<OciImageConfigFile>(await _content.ReadAllAsync(manifest.Config.Digest, cancellationToken), $"config {manifest.Config.Digest}");
            var diffIds = config.RootFs?.DiffIds ?? [];
            if (diffIds.Count != manifest.Layers.Count || diffIds.Any(d => !Digests.IsValid(d)))
            {
                throw new InvalidImageContentException($"config {manifest.Config.Digest} lists {diffIds.Count} sha256 diff ids for {manifest.Layers.Count} layers; refused");
            }

            var chainIds = Digests.ChainIds(diffIds);
            using var layerLease = Lease(chainIds);
            if (!_content.Exists(request.ManifestDigest, request.ManifestBody.Length))
            {
                await _content.WriteAsync(request.ManifestBody, request.ManifestDigest, $"manifest {request.ManifestDigest}", cancellationToken);
                written.Add(request.ManifestDigest);
            }

            var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentDownloads, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, manifest.Layers.Count), parallel, async (i, token) =>
            {
                var layer = manifest.Layers[i];
                var reporter = new LayerProgress(progress, layer.Digest, layer.Size);
                if (_layers.Exists(chainIds[i]) && _content.Exists(layer.Digest, layer.Size))
                {
                    reporter.Report("Already exists", layer.Size);
                    return;
                }

                reporter.Report("Downloading", 0);
                await EnsureBlobAsync(layer, fetch, written, reporter.Downloaded, token);
                reporter.Report("Extracting", layer.Size);
                await _layers.EnsureAsync(chainIds[i], diffIds[i], _content.BlobPath(layer.Digest), _options.MaxLayerSize, token);
                reporter.Report("Pull complete", layer.Size);
            });

            var record = new ImageRecord(
                manifest.Config.Digest,
                request.Tags,
                request.RepoDigests,
                ParseCreated(config.Created),
                chainIds.Sum(c => _layers.Size(c) ?? 0),
                config.Os ?? "linux",
                config.Architecture ?? "amd64",
                ToImageConfig(config.Config),
                diffIds,
                chainIds);
            lock (_gate)
            {
                return _catalog.Add(new StoredImage(record, request.ManifestDigest, request.ManifestMediaType, request.ManifestBody.Length, [.. manifest.Layers.Select(l => l.Digest)]));
            }
        }
        catch
        {
            DeleteUnusedBlobs(written);
            throw;
        }
    }

    /// <summary>Deletes blobs a failed pull or load wrote, unless an image or another running pull uses them.</summary>
    private void DeleteUnusedBlobs(IEnumerable<string> blobs)
    {
        lock (_gate)
        {
            var used = _catalog.All.SelectMany(i => i.Blobs).ToHashSet(StringComparer.Ordinal);
            foreach (var blob in blobs.Where(b => !used.Contains(b) && _leases.GetValueOrDefault(b) <= 1))
            {
                _content.Delete(blob);
            }
        }
    }

    private async Task EnsureBlobAsync(OciDescriptor blob, BlobFetcher fetch, ConcurrentBag<string> written, Action<long> progress, CancellationToken cancellationToken)
    {
        if (_content.Exists(blob.Digest, blob.Size))
        {
            return;
        }

        await using var writer = _content.OpenWriter(blob.Digest, blob.Size, $"blob {blob.Digest}");
        await fetch(blob, writer, progress, cancellationToken);
        await writer.CommitAsync(cancellationToken);
        written.Add(blob.Digest);
    }

    /// <summary>Marks digests (blobs or chain ids) as in use by a running pull or load until disposed.</summary>
    private Lease Lease(IReadOnlyList<string> keys)
    {
        lock (_gate)
        {
            foreach (var key in keys)
            {
                _leases[key] = _leases.GetValueOrDefault(key) + 1;
            }
        }

        return new Lease(() =>
        {
            lock (_gate)
            {
                foreach (var key in keys)
                {
                    if (--_leases[key] == 0)
                    {
                        _leases.Remove(key);
                    }
                }
            }
        });
    }

    private static ImageConfig ToImageConfig(OciRuntimeDefaults? config) => new(
        config?.Cmd ?? [],
        config?.Entrypoint ?? [],
        config?.Env ?? [],
        config?.WorkingDir ?? "",
        config?.User ?? "",
        [.. (config?.ExposedPorts?.Keys ?? []).Order(StringComparer.Ordinal)],
        config?.Labels ?? new Dictionary<string, string>(),
        config?.StopSignal);

    /// <summary>Config times carry up to nanoseconds; .NET parses at most seven fractional digits.</summary>
    private static DateTimeOffset ParseCreated(string? created) =>
        created is not null && DateTimeOffset.TryParse(FractionBeyondTicks().Replace(created, "$1"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : DateTimeOffset.UnixEpoch;

    [GeneratedRegex(@"(\.\d{7})\d+")]
    private static partial Regex FractionBeyondTicks();

    private delegate Task BlobFetcher(OciDescriptor blob, BlobWriter writer, Action<long> progress, CancellationToken cancellationToken);

    private sealed record InstallRequest(
        string ManifestDigest,
        string ManifestMediaType,
        byte[] ManifestBody,
        OciManifest Manifest,
        IReadOnlyList<string> Tags,
        IReadOnlyList<string> RepoDigests);
}

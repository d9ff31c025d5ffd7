using System.Collections.Concurrent;
using System.Text.Json;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// Unpacked layers under <c>layers/&lt;chain-id hex&gt;/diff</c>, shared by every image whose layer stack
/// starts the same way. A layer is unpacked into <c>layers/tmp/</c> and renamed into place whole, so a
/// layer directory that exists is complete; concurrent pulls of one layer unpack it once.
/// </summary>
internal sealed class LayerStore
{
    private const string DiffDirectory = "diff";
    private const string MetadataFile = "layer.json";
    private readonly string _root;
    private readonly string _temp;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _unpacking = new(StringComparer.Ordinal);

    public LayerStore(string layersDirectory)
    {
        _root = layersDirectory;
        _temp = Path.Join(layersDirectory, "tmp");
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, recursive: true); // Unpacks or deletes a crash interrupted.
        }

        Directory.CreateDirectory(_temp);
    }

    public string DiffPath(string chainId) => Path.Join(_root, Digests.Hex(chainId), DiffDirectory);

    public bool Exists(string chainId) => File.Exists(Path.Join(_root, Digests.Hex(chainId), MetadataFile));

    /// <summary>The uncompressed size of a stored layer, or null when it is not stored.</summary>
    public long? Size(string chainId)
    {
        var metadata = Path.Join(_root, Digests.Hex(chainId), MetadataFile);
        return File.Exists(metadata) ? JsonSerializer.Deserialize(File.ReadAllBytes(metadata), OciJson.TypeInfo<LayerMetadata>(OciJson.Plain))?.Size : null;
    }

    public IEnumerable<string> List() =>
        Directory.EnumerateDirectories(_root).Select(path => Digests.Sha256Prefix + Path.GetFileName(path)).Where(Digests.IsValid);

    /// <summary>Unpacks the layer blob as <paramref name="chainId"/> unless it is there already, verifying its diff id.</summary>
    /// <returns>true when this call unpacked it.</returns>
    public async Task<bool> EnsureAsync(string chainId, string diffId, string blobPath, long maxBytes, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("layers are unpacked for overlayfs, which needs Linux");
        }

        if (Exists(chainId))
        {
            return false;
        }

        var gate = _unpacking.GetOrAdd(chainId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Exists(chainId))
            {
                return false;
            }

            var work = Path.Join(_temp, Guid.NewGuid().ToString("N"));
            try
            {
                var diff = Path.Join(work, DiffDirectory);
                Directory.CreateDirectory(diff);
                var (actualDiffId, size) = await LayerUnpacker.UnpackAsync(blobPath, diff, maxBytes, cancellationToken);
                if (actualDiffId != diffId)
                {
                    throw new InvalidImageContentException($"layer {chainId} uncompresses to content with digest {actualDiffId}, but the image config lists diff id {diffId}; refused");
                }

                await File.WriteAllBytesAsync(Path.Join(work, MetadataFile), JsonSerializer.SerializeToUtf8Bytes(new LayerMetadata(chainId, diffId, size), OciJson.TypeInfo<LayerMetadata>(OciJson.Plain)), cancellationToken);
                try
                {
                    Directory.Move(work, Path.Join(_root, Digests.Hex(chainId)));
                }
                catch (IOException) when (Exists(chainId))
                {
                    return false; // Another agent process on this state dir won the race; its copy is identical.
                }

                return true;
            }
            finally
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Deletes a layer; it disappears at once (renamed away) and its files are removed after.</summary>
    /// <returns>The layer's uncompressed size.</returns>
    public long Delete(string chainId)
    {
        var path = Path.Join(_root, Digests.Hex(chainId));
        if (!Directory.Exists(path))
        {
            return 0;
        }

        var size = Size(chainId) ?? 0;
        var doomed = Path.Join(_temp, "deleting-" + Guid.NewGuid().ToString("N"));
        Directory.Move(path, doomed);
        Directory.Delete(doomed, recursive: true);
        return size;
    }

    internal sealed record LayerMetadata(string ChainId, string DiffId, long Size);
}

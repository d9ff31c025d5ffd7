namespace Flotilla.NodeAgent.Images;

/// <summary>
/// Content-addressed blobs under <c>content/blobs/sha256/&lt;hex&gt;</c>. Every write goes to
/// <c>content/ingest/</c> first and is renamed into place only after its digest and size are verified,
/// so a blob path always holds exactly the bytes its name promises.
/// </summary>
internal sealed class ContentStore
{
    private readonly string _blobs;
    private readonly string _ingest;

    public ContentStore(string contentDirectory)
    {
        _blobs = Path.Join(contentDirectory, "blobs", "sha256");
        _ingest = Path.Join(contentDirectory, "ingest");
        Directory.CreateDirectory(_blobs);
        if (Directory.Exists(_ingest))
        {
            Directory.Delete(_ingest, recursive: true); // Leftovers of writes a crash interrupted.
        }

        Directory.CreateDirectory(_ingest);
    }

    /// <summary>Scratch space for imports; emptied when the store opens.</summary>
    public string IngestDirectory => _ingest;

    public string BlobPath(string digest) => Path.Join(_blobs, Digests.Hex(digest));

    public bool Exists(string digest, long size)
    {
        var info = new FileInfo(BlobPath(digest));
        return info.Exists && info.Length == size;
    }

    public BlobWriter OpenWriter(string? expectedDigest, long? expectedSize, string what) =>
        new(this, Path.Join(_ingest, Guid.NewGuid().ToString("N")), expectedDigest, expectedSize, what);

    /// <summary>Writes a blob whose digest is checked against <paramref name="expectedDigest"/> (or computed when null).</summary>
    /// <returns>The blob's digest.</returns>
    public async Task<string> WriteAsync(Stream source, string? expectedDigest, long? expectedSize, string what, CancellationToken cancellationToken)
    {
        await using var writer = OpenWriter(expectedDigest, expectedSize, what);
        await writer.AppendAsync(source, cancellationToken);
        return await writer.CommitAsync(cancellationToken);
    }

    public async Task<string> WriteAsync(ReadOnlyMemory<byte> content, string? expectedDigest, string what, CancellationToken cancellationToken)
    {
        using var source = new MemoryStream(content.ToArray(), writable: false);
        return await WriteAsync(source, expectedDigest, content.Length, what, cancellationToken);
    }

    public async Task<byte[]> ReadAllAsync(string digest, CancellationToken cancellationToken) =>
        await File.ReadAllBytesAsync(BlobPath(digest), cancellationToken);

    public IEnumerable<string> List() =>
        Directory.EnumerateFiles(_blobs).Select(path => Digests.Sha256Prefix + Path.GetFileName(path)).Where(Digests.IsValid);

    /// <summary>Deletes a blob; returns the bytes freed.</summary>
    public long Delete(string digest)
    {
        var info = new FileInfo(BlobPath(digest));
        if (!info.Exists)
        {
            return 0;
        }

        var length = info.Length;
        info.Delete();
        return length;
    }

    internal void Commit(string ingestPath, string digest) => File.Move(ingestPath, BlobPath(digest), overwrite: true);
}

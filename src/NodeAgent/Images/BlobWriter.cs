using System.Security.Cryptography;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// One blob being written to the content store's ingest area. Appends can resume after a broken download
/// (the hash continues where the bytes stopped) or restart with <see cref="ResetAsync"/>. Committing verifies
/// size and digest; disposing an uncommitted writer deletes its bytes.
/// </summary>
internal sealed class BlobWriter : IAsyncDisposable
{
    private readonly ContentStore _store;
    private readonly string _path;
    private readonly string? _expectedDigest;
    private readonly long? _expectedSize;
    private readonly string _what;
    private FileStream _file;
    private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _committed;

    internal BlobWriter(ContentStore store, string path, string? expectedDigest, long? expectedSize, string what)
    {
        _store = store;
        _path = path;
        _expectedDigest = expectedDigest;
        _expectedSize = expectedSize;
        _what = what;
        _file = Create();
    }

    /// <summary>Bytes written so far: where a resumed download continues.</summary>
    public long Position => _file.Position;

    /// <summary>Copies <paramref name="source"/> to the end of the blob, calling <paramref name="written"/> per chunk.</summary>
    public async Task AppendAsync(Stream source, CancellationToken cancellationToken, Action<int>? written = null)
    {
        var buffer = new byte[1 << 17];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (_expectedSize is { } size && _file.Position + read > size)
            {
                throw new InvalidImageContentException($"{_what} is longer than the {size} bytes its descriptor states; refused");
            }

            _hash.AppendData(buffer, 0, read);
            _file.Write(buffer, 0, read); // Into the page cache: synchronous is cheaper than a thread-pool hop.
            written?.Invoke(read);
        }
    }

    /// <summary>Drops everything written so far (the server ignored a range request).</summary>
    public async Task ResetAsync()
    {
        await _file.DisposeAsync();
        _hash.Dispose();
        _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _file = Create();
    }

    /// <summary>Verifies size and digest and moves the blob into place.</summary>
    /// <returns>The blob's digest.</returns>
    public async Task<string> CommitAsync(CancellationToken cancellationToken)
    {
        await _file.FlushAsync(cancellationToken);
        var length = _file.Length;
        await _file.DisposeAsync();
        if (_expectedSize is { } size && length != size)
        {
            throw new InvalidImageContentException($"{_what} has {length} bytes, its descriptor states {size}; refused");
        }

        var digest = Digests.FromHash(_hash.GetCurrentHash());
        if (_expectedDigest is not null && digest != _expectedDigest)
        {
            throw new InvalidImageContentException($"{_what} has digest {digest}, expected {_expectedDigest}; refused and not stored");
        }

        _store.Commit(_path, digest);
        _committed = true;
        return digest;
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        _hash.Dispose();
        if (!_committed)
        {
            File.Delete(_path);
        }
    }

    private FileStream Create() =>
        new(_path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
}

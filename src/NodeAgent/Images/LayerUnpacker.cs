using System.Formats.Tar;
using System.Runtime.Versioning;
using ZstdSharp;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// Unpacks one layer tarball (gzip, zstd or plain) into an empty directory that becomes an overlayfs
/// lowerdir. Whiteouts become overlay whiteouts (<c>.wh.x</c> → char device 0/0, <c>.wh..wh..opq</c> →
/// <c>trusted.overlay.opaque=y</c>). No entry can write outside the directory: <c>..</c> and absolute names
/// are refused, parents are never followed through symlinks, hard links only join entries inside it.
/// Ownership, modes (setuid included, applied after chown) and times are kept.
/// </summary>
/// <remarks>
/// The directory starts empty and only this unpacker writes to it, so it knows what every path is from the
/// entries it created, without asking the file system (no lstat per entry, no race with a changed path).
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";
    private readonly string _root;
    private readonly bool _privileged = Environment.IsPrivilegedProcess;
    private readonly Dictionary<string, EntryKind> _created = new(StringComparer.Ordinal);
    private readonly List<(string Path, TarEntry Entry)> _directories = [];
    private readonly byte[] _buffer = new byte[1 << 17];

    private LayerUnpacker(string root)
    {
        _root = root;
        _created[root] = EntryKind.Directory;
    }

    private enum EntryKind
    {
        None,
        Directory,
        Symlink,
        Other,
    }

    /// <summary>Unpacks <paramref name="blobPath"/> into the empty directory <paramref name="root"/>, on a thread of its own.</summary>
    /// <returns>The digest of the uncompressed tar (its diff id) and its length.</returns>
    /// <remarks>
    /// Synchronous file I/O on a dedicated thread: a layer is thousands of small writes, and async file I/O
    /// on Linux turns each into a thread-pool hop, which on a busy host costs milliseconds per file.
    /// </remarks>
    public static Task<(string DiffId, long Size)> UnpackAsync(string blobPath, string root, long maxBytes, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => new LayerUnpacker(root).Unpack(blobPath, maxBytes, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private (string DiffId, long Size) Unpack(string blobPath, long maxBytes, CancellationToken cancellationToken)
    {
        var file = new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var tar = new DigestingReadStream(LayerCompression.Decompress(file), maxBytes, $"layer {Path.GetFileName(blobPath)}");
        // TarReader reads 512-byte headers one at a time: buffered, each becomes a memory copy rather than
        // a call through hashing and decompression.
        using (var reader = new TarReader(new BufferedStream(tar, 1 << 16), leaveOpen: true))
        {
            try
            {
                while (reader.GetNextEntry(copyData: false) is { } entry)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Extract(entry, maxBytes - tar.BytesRead);
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or ZstdException or EndOfStreamException)
            {
                throw new InvalidImageContentException($"layer {Path.GetFileName(blobPath)} is not a valid (compressed) tar archive: {e.Message}", e);
            }
        }

        // The diff id covers the whole uncompressed stream, including the end-of-archive padding.
        tar.CopyTo(Stream.Null);
        for (var i = _directories.Count - 1; i >= 0; i--)
        {
            ApplyMetadata(_directories[i].Path, _directories[i].Entry);
        }

        return (tar.Digest, tar.BytesRead);
    }

    private void Extract(TarEntry entry, long budget)
    {
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
        {
            return;
        }

        var components = TarPaths.SplitInside(entry.Name, "layer entry");
        if (components.Length == 0)
        {
            return; // "./": the layer directory itself.
        }

        var parent = EnsureParent(components.AsSpan(0, components.Length - 1), entry.Name, create: true);
        var name = components[^1];
        if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            Whiteout(parent, name, entry.Name);
            return;
        }

        var path = Path.Join(parent, name);
        if (entry.EntryType is TarEntryType.Directory)
        {
            if (KindOf(path) != EntryKind.Directory)
            {
                Remove(path);
                Directory.CreateDirectory(path);
                _created[path] = EntryKind.Directory;
            }

            _directories.Add((path, entry));
            return;
        }

        Remove(path);
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                if (entry.Length > budget)
                {
                    throw new InvalidImageContentException($"layer entry {entry.Name} ({entry.Length} bytes) goes beyond the layer size limit; refused");
                }

                using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
                {
                    int read;
                    while (entry.DataStream is not null && (read = entry.DataStream.Read(_buffer)) > 0)
                    {
                        output.Write(_buffer, 0, read);
                    }
                }

                break;
            case TarEntryType.SymbolicLink:
                File.CreateSymbolicLink(path, entry.LinkName);
                _created[path] = EntryKind.Symlink;
                ApplyMetadata(path, entry);
                return;
            case TarEntryType.HardLink:
                LinuxFiles.HardLink(ResolveLinkTarget(entry), path);
                _created[path] = EntryKind.Other;
                return; // A hard link shares the target's inode, owner and mode.
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                if (!_privileged)
                {
                    return; // Like rootless docker: an unprivileged agent cannot make device nodes.
                }

                var device = (PosixTarEntry)entry;
                LinuxFiles.MakeNode(path, entry.EntryType is TarEntryType.CharacterDevice ? LinuxFiles.CharacterDevice : LinuxFiles.BlockDevice, (uint)entry.Mode, (uint)device.DeviceMajor, (uint)device.DeviceMinor);
                break;
            case TarEntryType.Fifo:
                LinuxFiles.MakeNode(path, LinuxFiles.Fifo, (uint)entry.Mode, 0, 0);
                break;
            default:
                throw new InvalidImageContentException($"layer entry {entry.Name} has tar type {entry.EntryType}, which Flotilla does not unpack; refused");
        }

        _created[path] = EntryKind.Other;
        ApplyMetadata(path, entry);
    }

    private void ApplyMetadata(string path, TarEntry entry)
    {
        if (_privileged)
        {
            LinuxFiles.ChangeOwner(path, entry.Uid, entry.Gid);
        }

        if (entry.EntryType is not TarEntryType.SymbolicLink)
        {
            // After chown: chown clears setuid and setgid.
            File.SetUnixFileMode(path, entry.Mode);
        }

        LinuxFiles.SetTimes(path, entry.ModificationTime);
    }

    private void Whiteout(string parent, string name, string entryName)
    {
        if (name == OpaqueWhiteout)
        {
            LinuxFiles.SetXattr(parent, "trusted.overlay.opaque", "y"u8);
            return;
        }

        if (name.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
        {
            return; // Other .wh..wh. names are aufs bookkeeping with no meaning in an image.
        }

        var hidden = name[WhiteoutPrefix.Length..];
        if (hidden.Length == 0 || hidden is "." or "..")
        {
            throw new InvalidImageContentException($"layer entry {entryName} is a malformed whiteout; refused");
        }

        var path = Path.Join(parent, hidden);
        Remove(path);
        LinuxFiles.MakeNode(path, LinuxFiles.CharacterDevice, 0, 0, 0);
        _created[path] = EntryKind.Other;
    }

    private string ResolveLinkTarget(TarEntry entry)
    {
        var components = TarPaths.SplitInside(entry.LinkName, $"layer hard link {entry.Name} → target");
        if (components.Length == 0)
        {
            throw new InvalidImageContentException($"layer entry {entry.Name} is a hard link to the layer root; refused");
        }

        var target = Path.Join(EnsureParent(components.AsSpan(0, components.Length - 1), entry.Name, create: false), components[^1]);
        return KindOf(target) switch
        {
            EntryKind.None => throw new InvalidImageContentException($"layer entry {entry.Name} is a hard link to {entry.LinkName}, which the layer does not contain before it; refused"),
            EntryKind.Directory => throw new InvalidImageContentException($"layer entry {entry.Name} is a hard link to directory {entry.LinkName}; refused"),
            _ => target,
        };
    }

    /// <summary>Walks (and with <paramref name="create"/>, makes) the parent directories, never through a symlink.</summary>
    private string EnsureParent(ReadOnlySpan<string> components, string entryName, bool create)
    {
        var path = _root;
        foreach (var component in components)
        {
            path = Path.Join(path, component);
            switch (KindOf(path))
            {
                case EntryKind.Directory:
                    continue;
                case EntryKind.None when create:
                    Directory.CreateDirectory(path);
                    _created[path] = EntryKind.Directory;
                    continue;
                case EntryKind.Symlink:
                    throw new InvalidImageContentException($"layer entry {entryName} goes through symlink {Path.GetRelativePath(_root, path)}; refused (it could write outside the layer)");
                default:
                    throw new InvalidImageContentException($"layer entry {entryName} has parent {Path.GetRelativePath(_root, path)}, which is not a directory in this layer; refused");
            }
        }

        return path;
    }

    private EntryKind KindOf(string path) => _created.GetValueOrDefault(path, EntryKind.None);

    /// <summary>Removes what an earlier entry of this layer created at <paramref name="path"/> (a later entry wins).</summary>
    private void Remove(string path)
    {
        switch (KindOf(path))
        {
            case EntryKind.Directory:
                Directory.Delete(path, recursive: true);
                var prefix = path + "/";
                foreach (var below in _created.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
                {
                    _created.Remove(below);
                }

                _directories.RemoveAll(d => d.Path == path || d.Path.StartsWith(prefix, StringComparison.Ordinal));
                break;
            case EntryKind.Symlink or EntryKind.Other:
                File.Delete(path);
                break;
            default:
                return;
        }

        _created.Remove(path);
    }
}

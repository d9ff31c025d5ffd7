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
[SupportedOSPlatform("linux")]
internal static class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    /// <summary>Unpacks <paramref name="blobPath"/> into <paramref name="root"/>.</summary>
    /// <returns>The digest of the uncompressed tar (its diff id) and its length.</returns>
    public static async Task<(string DiffId, long Size)> UnpackAsync(string blobPath, string root, long maxBytes, CancellationToken cancellationToken)
    {
        var file = new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var tar = new DigestingReadStream(await LayerCompression.DecompressAsync(file, cancellationToken), maxBytes, $"layer {Path.GetFileName(blobPath)}");
        var privileged = Environment.IsPrivilegedProcess;
        var directories = new List<(string Path, TarEntry Entry)>();
        await using (var reader = new TarReader(tar, leaveOpen: true))
        {
            try
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
                {
                    await ExtractAsync(entry, root, privileged, directories, maxBytes - tar.BytesRead, cancellationToken);
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or ZstdException or EndOfStreamException)
            {
                throw new InvalidImageContentException($"layer {Path.GetFileName(blobPath)} is not a valid (compressed) tar archive: {e.Message}", e);
            }
        }

        // The diff id covers the whole uncompressed stream, including the end-of-archive padding.
        await tar.CopyToAsync(Stream.Null, cancellationToken);
        for (var i = directories.Count - 1; i >= 0; i--)
        {
            ApplyMetadata(directories[i].Path, directories[i].Entry, privileged);
        }

        return (tar.Digest, tar.BytesRead);
    }

    private static async Task ExtractAsync(TarEntry entry, string root, bool privileged, List<(string, TarEntry)> directories, long budget, CancellationToken cancellationToken)
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

        var parent = EnsureParent(root, components.AsSpan(0, components.Length - 1), entry.Name);
        var name = components[^1];
        if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            Whiteout(parent, name, entry.Name);
            return;
        }

        var path = Path.Join(parent, name);
        var existing = Probe(path);
        if (entry.EntryType is TarEntryType.Directory)
        {
            if (existing != EntryKind.Directory)
            {
                Remove(path, existing);
                Directory.CreateDirectory(path);
            }

            directories.Add((path, entry));
            return;
        }

        Remove(path, existing);
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                if (entry.Length > budget)
                {
                    throw new InvalidImageContentException($"layer entry {entry.Name} ({entry.Length} bytes) goes beyond the layer size limit; refused");
                }

                await using (var output = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous, PreallocationSize = entry.Length }))
                {
                    if (entry.DataStream is not null)
                    {
                        await entry.DataStream.CopyToAsync(output, cancellationToken);
                    }
                }

                break;
            case TarEntryType.SymbolicLink:
                File.CreateSymbolicLink(path, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                LinuxFiles.HardLink(ResolveLinkTarget(root, entry), path);
                return; // A hard link shares the target's inode, owner and mode.
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                if (!privileged)
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

        ApplyMetadata(path, entry, privileged);
    }

    private static void ApplyMetadata(string path, TarEntry entry, bool privileged)
    {
        if (privileged)
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

    private static void Whiteout(string parent, string name, string entryName)
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
        Remove(path, Probe(path));
        LinuxFiles.MakeNode(path, LinuxFiles.CharacterDevice, 0, 0, 0);
    }

    private static string ResolveLinkTarget(string root, TarEntry entry)
    {
        var components = TarPaths.SplitInside(entry.LinkName, $"layer hard link {entry.Name} → target");
        if (components.Length == 0)
        {
            throw new InvalidImageContentException($"layer entry {entry.Name} is a hard link to the layer root; refused");
        }

        var target = Path.Join(EnsureParent(root, components.AsSpan(0, components.Length - 1), entry.Name, create: false), components[^1]);
        return Probe(target) switch
        {
            EntryKind.None => throw new InvalidImageContentException($"layer entry {entry.Name} is a hard link to {entry.LinkName}, which the layer does not contain before it; refused"),
            EntryKind.Directory => throw new InvalidImageContentException($"layer entry {entry.Name} is a hard link to directory {entry.LinkName}; refused"),
            _ => target,
        };
    }

    /// <summary>Walks (and with <paramref name="create"/>, makes) the parent directories, never through a symlink.</summary>
    private static string EnsureParent(string root, ReadOnlySpan<string> components, string entryName, bool create = true)
    {
        var path = root;
        foreach (var component in components)
        {
            path = Path.Join(path, component);
            switch (Probe(path))
            {
                case EntryKind.Directory:
                    continue;
                case EntryKind.None when create:
                    Directory.CreateDirectory(path);
                    continue;
                case EntryKind.Symlink:
                    throw new InvalidImageContentException($"layer entry {entryName} goes through symlink {Path.GetRelativePath(root, path)}; refused (it could write outside the layer)");
                default:
                    throw new InvalidImageContentException($"layer entry {entryName} has parent {Path.GetRelativePath(root, path)}, which is not a directory in this layer; refused");
            }
        }

        return path;
    }

    private static void Remove(string path, EntryKind kind)
    {
        switch (kind)
        {
            case EntryKind.Directory:
                Directory.Delete(path, recursive: true);
                break;
            case EntryKind.Symlink or EntryKind.Other:
                File.Delete(path);
                break;
        }
    }

    private static EntryKind Probe(string path)
    {
        FileAttributes attributes;
        try
        {
            attributes = File.GetAttributes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return EntryKind.None;
        }

        if (attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            return EntryKind.Symlink;
        }

        return attributes.HasFlag(FileAttributes.Directory) ? EntryKind.Directory : EntryKind.Other;
    }

    private enum EntryKind
    {
        None,
        Directory,
        Symlink,
        Other,
    }
}

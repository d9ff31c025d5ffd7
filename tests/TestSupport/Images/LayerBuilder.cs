using System.Formats.Tar;
using System.Text;

namespace Flotilla.TestSupport.Images;

/// <summary>
/// Collects the entries of one layer tar: files, directories, links, and the OCI whiteouts that
/// delete a lower layer's path (<c>.wh.&lt;name&gt;</c>) or hide a lower directory's whole
/// content (<c>.wh..wh..opq</c>). Parent directories are added (mode 0755) when not given.
/// Entries are owned by root and dated <see cref="Timestamp"/>, so the same input always makes
/// the same digest.
/// </summary>
public sealed class LayerBuilder
{
    /// <summary>The fixed modification time of every entry and the images' creation time.</summary>
    public static readonly DateTimeOffset Timestamp = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101;  // 0755
    private const UnixFileMode FileMode = (UnixFileMode)0b110_100_100;       // 0644
    private readonly List<Entry> _entries = [];
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

    /// <summary>Adds a directory.</summary>
    public LayerBuilder Directory(string path, UnixFileMode mode = DirectoryMode)
    {
        var name = Normalize(path);
        EnsureParents(name);
        if (_directories.Add(name))
        {
            _entries.Add(new Entry(TarEntryType.Directory, name + "/", mode, null, null));
        }

        return this;
    }

    /// <summary>Adds a regular file with <paramref name="content"/>.</summary>
    public LayerBuilder File(string path, ReadOnlyMemory<byte> content, UnixFileMode mode = FileMode) =>
        Add(TarEntryType.RegularFile, path, mode, content, null);

    /// <summary>Adds a regular file holding <paramref name="text"/> as UTF-8.</summary>
    public LayerBuilder File(string path, string text, UnixFileMode mode = FileMode) =>
        File(path, Encoding.UTF8.GetBytes(text), mode);

    /// <summary>Adds a symbolic link at <paramref name="path"/> pointing to <paramref name="target"/>.</summary>
    public LayerBuilder Symlink(string path, string target) =>
        Add(TarEntryType.SymbolicLink, path, (UnixFileMode)0b111_111_111, null, target);

    /// <summary>Adds a hard link at <paramref name="path"/> to <paramref name="target"/>, a path in this layer.</summary>
    public LayerBuilder Hardlink(string path, string target) =>
        Add(TarEntryType.HardLink, path, FileMode, null, Normalize(target));

    /// <summary>Deletes <paramref name="path"/> of a lower layer (writes <c>dir/.wh.name</c>).</summary>
    public LayerBuilder Whiteout(string path)
    {
        var name = Normalize(path);
        var slash = name.LastIndexOf('/');
        var whiteout = slash < 0 ? $".wh.{name}" : $"{name[..(slash + 1)]}.wh.{name[(slash + 1)..]}";
        return Add(TarEntryType.RegularFile, whiteout, FileMode, ReadOnlyMemory<byte>.Empty, null);
    }

    /// <summary>
    /// Makes <paramref name="path"/> opaque: the directory keeps only what this and higher layers
    /// put in it (writes the directory and <c>dir/.wh..wh..opq</c>).
    /// </summary>
    public LayerBuilder OpaqueDirectory(string path)
    {
        Directory(path);
        return Add(TarEntryType.RegularFile, $"{Normalize(path)}/.wh..wh..opq", FileMode, ReadOnlyMemory<byte>.Empty, null);
    }

    /// <summary>
    /// Adds an entry exactly as given, name unchecked and no parents added: for tests that feed an
    /// unpacker hostile layers (<c>../escape</c>, absolute names, links out of the root).
    /// </summary>
    public LayerBuilder RawEntry(TarEntryType type, string name, ReadOnlyMemory<byte>? content = null, string? linkName = null, UnixFileMode mode = FileMode)
    {
        _entries.Add(new Entry(type, name, mode, type == TarEntryType.RegularFile ? content ?? ReadOnlyMemory<byte>.Empty : content, linkName));
        return this;
    }

    /// <summary>Writes the entries as a ustar archive.</summary>
    public byte[] ToTar()
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                var tarEntry = new UstarTarEntry(entry.Type, entry.Name)
                {
                    Mode = entry.Mode,
                    ModificationTime = Timestamp,
                    Uid = 0,
                    Gid = 0,
                    UserName = "root",
                    GroupName = "root",
                };
                if (entry.LinkName is not null)
                {
                    tarEntry.LinkName = entry.LinkName;
                }

                if (entry.Content is { } content)
                {
                    tarEntry.DataStream = new MemoryStream(content.ToArray(), writable: false);
                }

                writer.WriteEntry(tarEntry);
            }
        }

        return output.ToArray();
    }

    private LayerBuilder Add(TarEntryType type, string path, UnixFileMode mode, ReadOnlyMemory<byte>? content, string? linkName)
    {
        var name = Normalize(path);
        EnsureParents(name);
        _entries.Add(new Entry(type, name, mode, content, linkName));
        return this;
    }

    private void EnsureParents(string name)
    {
        for (var slash = name.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = name.IndexOf('/', slash + 1))
        {
            var parent = name[..slash];
            if (_directories.Add(parent))
            {
                _entries.Add(new Entry(TarEntryType.Directory, parent + "/", DirectoryMode, null, null));
            }
        }
    }

    private static string Normalize(string path)
    {
        var name = path.Trim('/');
        if (name.Length == 0 || name.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"layer path '{path}' must be a relative path without '.', '..' or empty parts", nameof(path));
        }

        return name;
    }

    private sealed record Entry(TarEntryType Type, string Name, UnixFileMode Mode, ReadOnlyMemory<byte>? Content, string? LinkName);
}

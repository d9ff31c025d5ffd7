using System.Formats.Tar;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// Extracts a <c>docker save</c> archive (optionally gzip or zstd compressed) into a scratch directory:
/// regular files only, never outside it. Symlinks and hard links in the archive (docker uses them for
/// repeated layers) are kept as a name map and resolved by <see cref="ExtractedArchive.Resolve"/>.
/// </summary>
internal static class ArchiveExtractor
{
    /// <param name="what">How errors name the archive (its path, or "the archive" for an upload).</param>
    public static async Task<ExtractedArchive> ExtractAsync(string archivePath, string what, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var input = LayerCompression.Decompress(file);
        await using var reader = new TarReader(input);
        try
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                var components = TarPaths.SplitInside(entry.Name, "archive entry");
                if (components.Length == 0)
                {
                    continue;
                }

                var name = string.Join('/', components);
                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        var path = Path.Join(directory, name);
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        await using (var output = File.Create(path))
                        {
                            if (entry.DataStream is not null)
                            {
                                await entry.DataStream.CopyToAsync(output, cancellationToken);
                            }
                        }

                        break;
                    case TarEntryType.SymbolicLink:
                        links[name] = ResolveRelative(components[..^1], entry.LinkName, entry.Name);
                        break;
                    case TarEntryType.HardLink:
                        links[name] = string.Join('/', TarPaths.SplitInside(entry.LinkName, "archive link target"));
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidImageContentException($"{what} is not a valid tar archive (plain, gzip or zstd): {e.Message}", e);
        }

        return new ExtractedArchive(directory, links);
    }

    private static string ResolveRelative(string[] linkDirectory, string target, string entryName)
    {
        if (target.StartsWith('/'))
        {
            throw new InvalidImageContentException($"archive entry {entryName} links to absolute path {target}; refused");
        }

        var resolved = new List<string>(linkDirectory);
        foreach (var component in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (component == "..")
            {
                if (resolved.Count == 0)
                {
                    throw new InvalidImageContentException($"archive entry {entryName} links outside the archive ({target}); refused");
                }

                resolved.RemoveAt(resolved.Count - 1);
            }
            else if (component != ".")
            {
                resolved.Add(component);
            }
        }

        return string.Join('/', resolved);
    }
}

/// <summary>An extracted archive: its files on disk plus the links between names inside it.</summary>
internal sealed class ExtractedArchive(string directory, IReadOnlyDictionary<string, string> links)
{
    public bool Exists(string name) => File.Exists(Resolve(name));

    /// <summary>The on-disk path of a name in the archive, following the archive's own links.</summary>
    public string Resolve(string name)
    {
        var current = string.Join('/', TarPaths.SplitInside(name, "archive name"));
        for (var hops = 0; hops < 16 && links.TryGetValue(current, out var target); hops++)
        {
            current = target;
        }

        return Path.Join(directory, current);
    }
}

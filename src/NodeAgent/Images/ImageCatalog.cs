using System.Text.Json;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// The images the agent knows and their tags, persisted to <c>images.json</c> in the state directory
/// (written whole to a temporary file and renamed, so a crash leaves the old or the new catalog).
/// Callers hold the store's lock around every call.
/// </summary>
internal sealed class ImageCatalog
{
    private readonly string _path;
    private readonly Dictionary<string, StoredImage> _images = new(StringComparer.Ordinal);

    public ImageCatalog(string path)
    {
        _path = path;
        if (File.Exists(path))
        {
            foreach (var image in JsonSerializer.Deserialize(File.ReadAllBytes(path), OciJson.TypeInfo<List<StoredImage>>(OciJson.Plain)) ?? [])
            {
                _images[image.Record.Id] = image;
            }
        }
    }

    public IReadOnlyList<StoredImage> All => [.. _images.Values.OrderByDescending(i => i.Record.Created)];

    public StoredImage? Get(string id) => _images.GetValueOrDefault(id);

    /// <summary>Finds an image by name[:tag], name@digest, full id or unique id prefix.</summary>
    /// <returns>The image, and the tag the reference named (null when it named a digest or id).</returns>
    public (StoredImage Image, string? Tag)? Find(string reference)
    {
        if (Digests.IsValid(reference))
        {
            return _images.TryGetValue(reference, out var byId) ? (byId, null) : null;
        }

        if (ImageReference.TryParse(reference, out var parsed, out _))
        {
            if (parsed.Digest is { } digest)
            {
                var repoDigest = parsed.FamiliarName + "@" + digest;
                var byDigest = _images.Values.FirstOrDefault(i => i.Record.RepoDigests.Contains(repoDigest, StringComparer.Ordinal));
                if (byDigest is not null)
                {
                    return (byDigest, null);
                }
            }
            else if (parsed.FamiliarTag is { } tag && _images.Values.FirstOrDefault(i => i.Record.RepoTags.Contains(tag, StringComparer.Ordinal)) is { } byTag)
            {
                return (byTag, tag);
            }
        }

        var hex = reference.StartsWith(Digests.Sha256Prefix, StringComparison.Ordinal) ? reference[Digests.Sha256Prefix.Length..] : reference;
        if (hex.Length is > 0 and <= 64 && hex.All(char.IsAsciiHexDigitLower))
        {
            var matches = _images.Values.Where(i => i.Record.Id.StartsWith(Digests.Sha256Prefix + hex, StringComparison.Ordinal)).Take(2).ToList();
            if (matches.Count == 1)
            {
                return (matches[0], null);
            }
        }

        return null;
    }

    /// <summary>Adds or merges an image; its tags move away from any image that held them.</summary>
    public StoredImage Add(StoredImage image)
    {
        foreach (var other in _images.Values.ToList())
        {
            if (other.Record.Id != image.Record.Id && other.Record.RepoTags.Intersect(image.Record.RepoTags, StringComparer.Ordinal).Any())
            {
                Put(other with { Record = other.Record with { RepoTags = [.. other.Record.RepoTags.Except(image.Record.RepoTags, StringComparer.Ordinal)] } });
            }
        }

        if (_images.TryGetValue(image.Record.Id, out var existing))
        {
            image = image with
            {
                Record = image.Record with
                {
                    RepoTags = [.. existing.Record.RepoTags.Union(image.Record.RepoTags, StringComparer.Ordinal)],
                    RepoDigests = [.. existing.Record.RepoDigests.Union(image.Record.RepoDigests, StringComparer.Ordinal)],
                },
            };
        }

        Put(image);
        Save();
        return image;
    }

    public StoredImage Untag(StoredImage image, IEnumerable<string> tags)
    {
        var updated = image with { Record = image.Record with { RepoTags = [.. image.Record.RepoTags.Except(tags, StringComparer.Ordinal)] } };
        Put(updated);
        Save();
        return updated;
    }

    public void Remove(string id)
    {
        _images.Remove(id);
        Save();
    }

    private void Put(StoredImage image) => _images[image.Record.Id] = image;

    private void Save()
    {
        var temp = _path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(_images.Values.ToList(), OciJson.TypeInfo<List<StoredImage>>(OciJson.Plain)));
        File.Move(temp, _path, overwrite: true);
    }
}

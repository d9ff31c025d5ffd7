using System.Text.RegularExpressions;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Volumes;

/// <summary>Named volumes under <c>volumes/&lt;name&gt;/_data</c>, with their metadata in <c>volume.json</c>.</summary>
public sealed partial class VolumeStore(IOptions<AgentOptions> options)
{
    private readonly string _root = options.Value.VolumesDirectory;
    private readonly Lock _lock = new();

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>Creates the volume, or returns it unchanged when it exists (as <c>docker volume create</c> does).</summary>
    public VolumeRecord Create(string name, IReadOnlyDictionary<string, string>? labels = null)
    {
        if (!IsValidName(name))
        {
            throw new InvalidRunOptionsException($"invalid volume name \"{name}\": use letters, digits, '_', '.', '-', starting with a letter or digit");
        }

        lock (_lock)
        {
            var existing = Find(name);
            if (existing is not null)
            {
                return existing;
            }

            var directory = Path.Combine(_root, name);
            Directory.CreateDirectory(Path.Combine(directory, "_data"));
            var record = new VolumeRecord(name, Path.Combine(directory, "_data"), DateTimeOffset.UtcNow, labels ?? new Dictionary<string, string>());
            StateJson.Write(Path.Combine(directory, "volume.json"), record);
            return record;
        }
    }

    public VolumeRecord? Find(string name)
    {
        if (!IsValidName(name))
        {
            return null;
        }

        var file = Path.Combine(_root, name, "volume.json");
        return File.Exists(file) ? StateJson.Read<VolumeRecord>(file) : null;
    }

    public IReadOnlyList<VolumeRecord> List()
    {
        if (!Directory.Exists(_root))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(_root)
            .Select(d => Find(Path.GetFileName(d)))
            .OfType<VolumeRecord>()
            .OrderBy(v => v.Name, StringComparer.Ordinal)];
    }

    /// <summary>Deletes the volume and its data; the caller has checked that no container uses it.</summary>
    public void Remove(string name)
    {
        lock (_lock)
        {
            if (Find(name) is null)
            {
                throw new VolumeNotFoundException(name);
            }

            Directory.Delete(Path.Combine(_root, name), recursive: true);
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
    private static partial Regex NamePattern();
}

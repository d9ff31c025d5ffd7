namespace Flotilla.NodeAgent.Volumes;

/// <summary>A named volume: a directory that outlives the containers using it.</summary>
public sealed record VolumeRecord(string Name, string Mountpoint, DateTimeOffset Created, IReadOnlyDictionary<string, string> Labels)
{
    public const string Driver = "local";
}

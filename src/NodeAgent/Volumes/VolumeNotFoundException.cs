namespace Flotilla.NodeAgent.Volumes;

public sealed class VolumeNotFoundException(string name) : KeyNotFoundException($"no such volume: {name}");

namespace Flotilla.NodeAgent.Containers;

public sealed class NameConflictException(string name, string existingId)
    : InvalidOperationException($"the container name \"{name}\" is already in use by container {existingId[..12]}: remove that container or choose another name");

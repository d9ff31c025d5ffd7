namespace Flotilla.NodeAgent.Volumes;

public sealed class VolumeInUseException(string name, string containerName)
    : InvalidOperationException($"volume {name} is in use by container {containerName}: remove the container first or force the removal");

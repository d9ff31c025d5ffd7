namespace Flotilla.NodeAgent.Containers;

/// <summary>The closed set of states a container moves through.</summary>
public enum ContainerState
{
    Created,
    Running,
    Restarting,
    Exited,
    Removed,
}

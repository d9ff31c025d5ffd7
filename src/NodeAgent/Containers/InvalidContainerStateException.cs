namespace Flotilla.NodeAgent.Containers;

/// <summary>An operation that the container's current state does not allow.</summary>
public sealed class InvalidContainerStateException(string name, ContainerState state, string action)
    : InvalidOperationException(Describe(name, state, action))
{
    public string ContainerName { get; } = name;

    public ContainerState State { get; } = state;

    private static string Describe(string name, ContainerState state, string action) => state switch
    {
        ContainerState.Running or ContainerState.Restarting when action == "remove" =>
            $"container {name} is {state.ToString().ToLowerInvariant()}: stop it first or use force",
        ContainerState.Running => $"container {name} is already running",
        ContainerState.Removed => $"container {name} is being removed",
        _ => $"cannot {action} container {name} in state {state.ToString().ToLowerInvariant()}",
    };
}

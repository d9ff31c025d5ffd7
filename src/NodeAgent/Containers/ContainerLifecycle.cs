namespace Flotilla.NodeAgent.Containers;

/// <summary>The transition table of <see cref="ContainerState"/>; every state change goes through it.</summary>
public static class ContainerLifecycle
{
    private static readonly Dictionary<ContainerState, ContainerState[]> Allowed = new()
    {
        [ContainerState.Created] = [ContainerState.Running, ContainerState.Exited, ContainerState.Removed],
        [ContainerState.Running] = [ContainerState.Exited, ContainerState.Restarting],
        [ContainerState.Restarting] = [ContainerState.Running, ContainerState.Exited],
        [ContainerState.Exited] = [ContainerState.Running, ContainerState.Restarting, ContainerState.Removed],
        [ContainerState.Removed] = [],
    };

    public static bool CanMove(ContainerState from, ContainerState to) => Allowed[from].Contains(to);

    /// <summary>Throws <see cref="InvalidContainerStateException"/> unless <paramref name="from"/> → <paramref name="to"/> is allowed.</summary>
    public static void EnsureCanMove(string name, ContainerState from, ContainerState to, string action)
    {
        if (!CanMove(from, to))
        {
            throw new InvalidContainerStateException(name, from, action);
        }
    }
}

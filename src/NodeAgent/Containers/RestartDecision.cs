namespace Flotilla.NodeAgent.Containers;

/// <summary>What to do after a container's process exited: stay exited, or restart after <see cref="Delay"/>.</summary>
/// <param name="Restart">Whether to start the container again.</param>
/// <param name="Delay">How long to wait before that start.</param>
/// <param name="NextRestartCount">The restart count after this decision.</param>
/// <param name="NextBackoffStep">Consecutive quick failures after this decision (drives the next delay).</param>
public sealed record RestartDecision(bool Restart, TimeSpan Delay, int NextRestartCount, int NextBackoffStep)
{
    public static RestartDecision Stay(int restartCount, int backoffStep) => new(false, TimeSpan.Zero, restartCount, backoffStep);
}

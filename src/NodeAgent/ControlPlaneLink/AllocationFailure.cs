namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>Why an allocation's last pull, create or start failed, and when to try again.</summary>
public sealed record AllocationFailure(string Message, DateTimeOffset RetryAt, int Attempts)
{
    public static readonly TimeSpan InitialRetry = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaximumRetry = TimeSpan.FromMinutes(1);

    /// <summary>The failure after <paramref name="previous"/> (null for the first): the retry delay doubles up to a minute.</summary>
    public static AllocationFailure Next(AllocationFailure? previous, string message, DateTimeOffset now)
    {
        var attempts = (previous?.Attempts ?? 0) + 1;
        var delay = TimeSpan.FromTicks(Math.Min(MaximumRetry.Ticks, InitialRetry.Ticks * (1L << Math.Min(attempts - 1, 20))));
        return new AllocationFailure(message, now + delay, attempts);
    }
}

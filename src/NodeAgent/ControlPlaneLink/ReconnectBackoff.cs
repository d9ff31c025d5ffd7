namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// Delays between attempts to reach the control plane: exponential from <see cref="Initial"/> up to a
/// maximum, with "equal jitter" (half fixed, half random) so a fleet that lost its control plane at the
/// same moment does not come back in lockstep.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan maximum, Func<double> random)
{
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    public ReconnectBackoff(TimeSpan maximum)
        : this(maximum, Random.Shared.NextDouble)
    {
    }

    /// <summary>The delay before attempt <paramref name="failures"/> + 1, given <paramref name="failures"/> failures in a row (≥ 1).</summary>
    public TimeSpan Delay(int failures)
    {
        var ceiling = Math.Min(maximum.Ticks, Initial.Ticks * Math.Pow(2, Math.Clamp(failures - 1, 0, 30)));
        var half = ceiling / 2;
        return TimeSpan.FromTicks((long)(half + (half * random())));
    }
}

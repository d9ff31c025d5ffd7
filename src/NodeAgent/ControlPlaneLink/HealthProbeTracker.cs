using Flotilla.Contracts.Agent;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// Turns probe results into a health state: healthy on a success, unhealthy after <c>retries</c> failures
/// in a row, unchanged in between (unknown until the first verdict).
/// </summary>
public sealed class HealthProbeTracker(int retries)
{
    private readonly int _retries = Math.Max(1, retries);
    private int _failures;

    public HealthState State { get; private set; } = HealthState.Unknown;

    /// <summary>Records one probe; returns true when the state changed.</summary>
    public bool Record(bool success)
    {
        var before = State;
        if (success)
        {
            _failures = 0;
            State = HealthState.Healthy;
        }
        else if (++_failures >= _retries)
        {
            State = HealthState.Unhealthy;
        }

        return State != before;
    }
}

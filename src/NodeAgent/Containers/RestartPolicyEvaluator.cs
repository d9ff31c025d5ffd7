namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// The restart policy as a pure decision: feed it an exit, get (restart?, delay). Backoff doubles from
/// <see cref="InitialDelay"/> up to <see cref="MaximumDelay"/>, and resets after a run that lasted
/// <see cref="StableRun"/>. The restart count never resets, so on-failure's limit holds.
/// </summary>
public static class RestartPolicyEvaluator
{
    public static readonly TimeSpan InitialDelay = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaximumDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan StableRun = TimeSpan.FromSeconds(10);

    /// <param name="policy">The container's policy.</param>
    /// <param name="exitCode">The exit status of the process.</param>
    /// <param name="stoppedByUser">True when the exit followed a stop/kill through the API: never restarted.</param>
    /// <param name="runDuration">How long the process ran.</param>
    /// <param name="restartCount">Restarts so far.</param>
    /// <param name="backoffStep">Consecutive quick failures so far (drives the delay).</param>
    public static RestartDecision Decide(RestartPolicy policy, int exitCode, bool stoppedByUser, TimeSpan runDuration, int restartCount, int backoffStep)
    {
        if (stoppedByUser)
        {
            return RestartDecision.Stay(restartCount, backoffStep);
        }

        var restart = policy.Kind switch
        {
            RestartPolicyKind.Always or RestartPolicyKind.UnlessStopped => true,
            RestartPolicyKind.OnFailure => exitCode != 0 && (policy.MaximumRetryCount == 0 || restartCount < policy.MaximumRetryCount),
            _ => false,
        };
        if (!restart)
        {
            return RestartDecision.Stay(restartCount, backoffStep);
        }

        var step = runDuration >= StableRun ? 0 : backoffStep;
        return new RestartDecision(true, Backoff(step), restartCount + 1, step + 1);
    }

    /// <summary>The delay before the restart that follows <paramref name="step"/> consecutive quick failures.</summary>
    public static TimeSpan Backoff(int step)
    {
        var ticks = InitialDelay.Ticks * Math.Pow(2, Math.Min(step, 20));
        return ticks >= MaximumDelay.Ticks ? MaximumDelay : TimeSpan.FromTicks((long)ticks);
    }
}

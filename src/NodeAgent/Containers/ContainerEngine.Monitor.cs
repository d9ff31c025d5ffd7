using System.Diagnostics;
using System.Runtime.InteropServices;
using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Containers;

public sealed partial class ContainerEngine
{
    private static readonly TimeSpan SlowCheckInterval = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _monitorSignal = new(0, 1);

    /// <summary>Memory OOM kills of a container's cgroup, read just before the runtime removes it.</summary>
    public Func<string, long>? OomKillReader { get; set; }

    /// <summary>
    /// Watches container processes. The agent is a child subreaper, so a container's init becomes its child
    /// once <c>runtime create</c> exits: SIGCHLD wakes the loop and waitpid yields the exit status.
    /// Containers re-adopted after an agent restart are not children; they are checked by pid and start time
    /// every second and their exit status is unknown (reported as 255).
    /// </summary>
    public async Task RunMonitorAsync(CancellationToken cancellationToken)
    {
        LinuxNative.BecomeChildSubreaper();
        using var registration = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => SignalMonitor());
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _monitorSignal.WaitAsync(SlowCheckInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            CheckExits();
        }
    }

    private void SignalMonitor()
    {
        if (_monitorSignal.CurrentCount == 0)
        {
            try
            {
                _monitorSignal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another signal got there first: one wake-up covers both.
            }
        }
    }

    private void CheckExits()
    {
        foreach (var entry in _containers.Values)
        {
            var record = entry.Context.Record;
            if (record.State != ContainerState.Running || record.Pid <= 0 || entry.ExitClaimedPid == record.Pid)
            {
                continue;
            }

            int exitCode;
            switch (LinuxNative.TryReap(record.Pid, out exitCode))
            {
                case LinuxNative.ReapResult.StillRunning:
                    continue;
                case LinuxNative.ReapResult.NotAChild when LinuxNative.IsAlive(record.Pid, record.PidStartTime):
                    continue;
                case LinuxNative.ReapResult.NotAChild:
                    exitCode = 255;
                    break;
            }

            if (Interlocked.Exchange(ref entry.ExitClaimedPid, record.Pid) != record.Pid)
            {
                _ = HandleExitAsync(entry, record.Pid, exitCode);
            }
        }
    }

    private async Task HandleExitAsync(ContainerEntry entry, int pid, int exitCode)
    {
        await entry.Gate.WaitAsync();
        var autoRemove = false;
        try
        {
            var record = entry.Context.Record;
            if (record.State != ContainerState.Running || record.Pid != pid)
            {
                return;
            }

            var oomKilled = ReadOomKills(record.Id) > 0;
            _logs.Deactivate(record.Id);
            var deleting = Stopwatch.GetTimestamp();
            await _runtime.DeleteAsync(record.Id, force: true, CancellationToken.None);
            Step(record.Name, "runtime delete", deleting);
            await AfterExitHooksAsync(entry.Context);
            var now = _time.GetUtcNow();
            var ran = now - (record.StartedAt ?? now);
            var decision = RestartPolicyEvaluator.Decide(record.Spec.RestartPolicy, exitCode, record.StoppedByUser, ran, record.RestartCount, record.BackoffStep);
            Save(entry, record with
            {
                State = decision.Restart ? ContainerState.Restarting : ContainerState.Exited,
                Pid = 0,
                ExitCode = exitCode,
                FinishedAt = now,
                OomKilled = oomKilled,
                RestartCount = decision.NextRestartCount,
                BackoffStep = decision.NextBackoffStep,
            });
            Log.Exited(_logger, record.Name, exitCode);
            entry.CompleteExit(exitCode);
            if (decision.Restart)
            {
                ScheduleRestart(entry, decision.Delay, decision.NextRestartCount);
            }
            else
            {
                autoRemove = record.Spec.AutoRemove;
            }
        }
        catch (Exception error) when (error is IOException or RuntimeException or UnauthorizedAccessException)
        {
            Log.ExitHandlingFailed(_logger, entry.Context.Record.Name, error.Message);
        }
        finally
        {
            entry.Gate.Release();
        }

        if (autoRemove)
        {
            await RemoveQuietlyAsync(entry.Context.Record.Id);
        }
    }

    /// <summary>Removes an auto-remove container after its run; failures are logged, not thrown.</summary>
    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await RemoveAsync(id, force: false, CancellationToken.None);
        }
        catch (Exception error) when (error is IOException or RuntimeException or InvalidOperationException or KeyNotFoundException)
        {
            Log.ExitHandlingFailed(_logger, id, error.Message);
        }
    }

    private long ReadOomKills(string id)
    {
        try
        {
            return OomKillReader?.Invoke(id) ?? 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private void ScheduleRestart(ContainerEntry entry, TimeSpan delay, int count)
    {
        Log.Restarting(_logger, entry.Context.Record.Name, delay, count);
        var token = entry.SchedulePendingRestart();
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(delay, _time, token);
                await entry.Gate.WaitAsync(token);
                try
                {
                    if (entry.Context.Record.State == ContainerState.Restarting)
                    {
                        await StartProcessAsync(entry, token);
                    }
                }
                finally
                {
                    entry.Gate.Release();
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped or removed while waiting to restart.
            }
            catch (Exception error) when (error is RuntimeException or IOException or InvalidOperationException)
            {
                Log.RestartFailed(_logger, entry.Context.Record.Name, error.Message);
            }
        }, CancellationToken.None);
    }
}

using System.Text.Json;
using Flotilla.NodeAgent.Runtime;
using Flotilla.NodeAgent.State;

namespace Flotilla.NodeAgent.Containers;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// Re-adopts the containers of the state directory after an agent (re)start: running ones whose process
    /// is still alive keep running untouched; those that died meanwhile go through exit handling (and their
    /// restart policy); exited ones keep their writable layer. As Docker does at daemon start, containers
    /// with restart policy <c>always</c> that a user stopped are started again; <c>unless-stopped</c> ones are not.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        // Before anything starts here: containers started during recovery must become this agent's children.
        LinuxNative.BecomeChildSubreaper();
        Directory.CreateDirectory(_options.ContainersDirectory);
        EmptyTrash();
        var dead = new List<(ContainerEntry Entry, int Pid)>();
        var stoppedAlways = new List<ContainerEntry>();
        foreach (var directory in Directory.EnumerateDirectories(_options.ContainersDirectory))
        {
            var paths = new ContainerPaths(directory);
            ContainerRecord? record;
            try
            {
                record = File.Exists(paths.RecordFile) ? StateJson.Read<ContainerRecord>(paths.RecordFile) : null;
            }
            catch (JsonException error)
            {
                Log.UnreadableState(_logger, paths.RecordFile, error.Message);
                continue;
            }

            if (record is null)
            {
                continue;
            }

            var context = new ContainerContext(record, _images.Find(record.ImageId), paths);
            var entry = new ContainerEntry(context);
            if (record.State == ContainerState.Removed)
            {
                await ReleaseAsync(context, runtimeMayKnow: true, cancellationToken);
                continue;
            }

            foreach (var hook in _hooks)
            {
                try
                {
                    await hook.RecoverAsync(context, cancellationToken);
                }
                catch (Exception error) when (error is IOException or InvalidOperationException)
                {
                    Log.HookFailed(_logger, "recover", record.Name, error.Message);
                }
            }

            _containers[record.Id] = entry;
            lock (_namesLock)
            {
                _names[record.Name] = record.Id;
            }

            _logs.Open(record.Id, paths);
            switch (record.State)
            {
                case ContainerState.Running when LinuxNative.IsAlive(record.Pid, record.PidStartTime):
                    _logs.Activate(record.Id);
                    Log.Adopted(_logger, record.Name, record.Pid);
                    break;
                case ContainerState.Running:
                    dead.Add((entry, record.Pid));
                    break;
                case ContainerState.Restarting:
                    ScheduleRestart(entry, TimeSpan.Zero, record.RestartCount);
                    break;
                case ContainerState.Exited when record.Spec.RestartPolicy.Kind == RestartPolicyKind.Always:
                    stoppedAlways.Add(entry);
                    break;
            }
        }

        foreach (var (entry, pid) in dead)
        {
            entry.ExitClaimedPid = pid;
            await HandleExitAsync(entry, pid, 255);
        }

        foreach (var entry in stoppedAlways)
        {
            try
            {
                await StartAsync(entry.Context.Record.Id, cancellationToken);
            }
            catch (Exception error) when (error is RuntimeException or IOException or InvalidOperationException or ArgumentException)
            {
                Log.RestartFailed(_logger, entry.Context.Record.Name, error.Message);
            }
        }
    }
}

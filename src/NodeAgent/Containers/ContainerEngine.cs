using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Runtime;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// The single-host container engine: creates containers from images, drives the OCI runtime through the
/// ordered lifecycle hooks, watches their processes, applies restart policies and persists every change
/// so a restarted agent re-adopts what is running.
/// </summary>
public sealed partial class ContainerEngine : IImageUsage
{
    private readonly ConcurrentDictionary<string, ContainerEntry> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Lock _namesLock = new();
    private readonly IImageStore _images;
    private readonly OciRuntime _runtime;
    private readonly IReadOnlyList<IContainerHook> _hooks;
    private readonly ContainerLogs _logs;
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ContainerEngine> _logger;

    public ContainerEngine(
        IImageStore images,
        OciRuntime runtime,
        IEnumerable<IContainerHook> hooks,
        ContainerLogs logs,
        IOptions<AgentOptions> options,
        TimeProvider time,
        ILogger<ContainerEngine> logger)
    {
        _images = images;
        _runtime = runtime;
        _hooks = [.. hooks];
        _logs = logs;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public ContainerLogs Logs => _logs;

    public IReadOnlyList<ContainerRecord> List() => [.. _containers.Values.Select(e => e.Context.Record).OrderByDescending(r => r.Created)];

    /// <summary>Finds a container by full id, name (with or without the leading '/') or unique id prefix.</summary>
    public ContainerRecord Get(string reference) => Find(reference).Context.Record;

    public ContainerPaths PathsOf(string id) => new(Path.Combine(_options.ContainersDirectory, id));

    public string? FindUser(string imageId) =>
        _containers.Values.Select(e => e.Context.Record).FirstOrDefault(r => r.ImageId == imageId)?.Name;

    /// <summary>The name of a container that mounts volume <paramref name="volume"/>, or null.</summary>
    public string? FindVolumeUser(string volume) =>
        _containers.Values.Select(e => e.Context.Record)
            .FirstOrDefault(r => r.Spec.Mounts.Any(m => m.Kind == MountKind.Volume && m.Source == volume))?.Name;

    public async Task<ContainerRecord> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        ContainerSpecValidator.Validate(spec);
        var image = _images.Find(spec.Image) ?? throw new ImageNotFoundException(spec.Image);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var name = ReserveName(spec.Name?.TrimStart('/'), id);
        var paths = PathsOf(id);
        var context = new ContainerContext(BuildRecord(id, name, spec, image), image, paths);
        try
        {
            Directory.CreateDirectory(paths.Directory);
            StateJson.Write(paths.RecordFile, context.Record);
            foreach (var hook in _hooks)
            {
                var started = Stopwatch.GetTimestamp();
                await hook.CreateAsync(context, cancellationToken);
                Step(name, hook, "create", started);
            }
        }
        catch
        {
            await ReleaseAsync(context, runtimeMayKnow: false, CancellationToken.None);
            ReleaseName(name);
            throw;
        }

        var entry = new ContainerEntry(context);
        _logs.Open(id, paths);
        _containers[id] = entry;
        Log.Created(_logger, name, id, spec.Image);
        return context.Record;
    }

    public async Task StartAsync(string reference, CancellationToken cancellationToken)
    {
        var entry = Find(reference);
        await entry.Gate.WaitAsync(cancellationToken);
        var failed = false;
        try
        {
            var record = entry.Context.Record;
            ContainerLifecycle.EnsureCanMove(record.Name, record.State, ContainerState.Running, "start");
            await StartProcessAsync(entry, cancellationToken);
        }
        catch (Exception error) when (error is RuntimeException or InvalidRunOptionsException or IOException)
        {
            failed = true;
            throw;
        }
        finally
        {
            entry.Gate.Release();
            if (failed && entry.Context.Record.Spec.AutoRemove)
            {
                // As Docker does: a run --rm container that cannot start is removed (its client waits for that).
                await RemoveQuietlyAsync(entry.Context.Record.Id);
            }
        }
    }

    /// <summary>Stops a running container: stop signal, then SIGKILL after the timeout. False when it was not running.</summary>
    public async Task<bool> StopAsync(string reference, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var entry = Find(reference);
        Task<int> exited;
        int signal;
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            var record = entry.Context.Record;
            if (record.State == ContainerState.Restarting)
            {
                entry.CancelPendingRestart();
                Save(entry, record with { State = ContainerState.Exited, StoppedByUser = true });
                return true;
            }

            if (record.State != ContainerState.Running)
            {
                return false;
            }

            Save(entry, record with { StoppedByUser = true });
            exited = entry.NextExit.Task;
            signal = Signals.Parse(record.Spec.StopSignal ?? entry.Context.Image?.Config.StopSignal, Signals.Term);
        }
        finally
        {
            entry.Gate.Release();
        }

        var grace = timeout ?? TimeSpan.FromSeconds(entry.Context.Record.Spec.StopTimeout ?? 10);
        LinuxNative.SendSignal(entry.Context.Record.Pid, signal);
        if (grace > TimeSpan.Zero && await Task.WhenAny(exited, Task.Delay(grace, _time, cancellationToken)) == exited)
        {
            return true;
        }

        LinuxNative.SendSignal(entry.Context.Record.Pid, Signals.Kill);
        await exited.WaitAsync(cancellationToken);
        return true;
    }

    public async Task RestartAsync(string reference, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        await StopAsync(reference, timeout, cancellationToken);
        var entry = Find(reference);
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            var record = entry.Context.Record;
            if (record.State != ContainerState.Running)
            {
                ContainerLifecycle.EnsureCanMove(record.Name, record.State, ContainerState.Running, "restart");
                await StartProcessAsync(entry, cancellationToken);
            }
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the container's main process.</summary>
    public async Task KillAsync(string reference, string? signal, CancellationToken cancellationToken)
    {
        var number = Signals.Parse(signal, Signals.Kill);
        var entry = Find(reference);
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            var record = entry.Context.Record;
            if (record.State != ContainerState.Running)
            {
                throw new InvalidContainerStateException(record.Name, record.State, "kill");
            }

            if (number is Signals.Kill or Signals.Term or 2 or 3)
            {
                Save(entry, record with { StoppedByUser = true });
            }

            LinuxNative.SendSignal(record.Pid, number);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Removes a container and its writable layer; a running one only with <paramref name="force"/>.</summary>
    public async Task RemoveAsync(string reference, bool force, CancellationToken cancellationToken)
    {
        var entry = Find(reference);
        var record = entry.Context.Record;
        if (record.State is ContainerState.Running or ContainerState.Restarting)
        {
            if (!force)
            {
                throw new InvalidContainerStateException(record.Name, record.State, "remove");
            }

            await StopAsync(record.Id, TimeSpan.Zero, cancellationToken);
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            record = entry.Context.Record;
            if (record.State == ContainerState.Removed)
            {
                return;
            }

            ContainerLifecycle.EnsureCanMove(record.Name, record.State, ContainerState.Removed, "remove");
            entry.Context.Record = record with { State = ContainerState.Removed };

            // Exited is saved only once the runtime has deleted the container (exit handling, a failed start).
            await ReleaseAsync(entry.Context, runtimeMayKnow: record.State != ContainerState.Exited, cancellationToken);
            _containers.TryRemove(record.Id, out _);
            ReleaseName(record.Name);
            _logs.Forget(record.Id);
            entry.Removed.TrySetResult(record.ExitCode);
            Log.Removed(_logger, record.Name, record.Id);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// Waits for the container per Docker's conditions: <c>not-running</c> (returns at once when it is not
    /// running), <c>next-exit</c>, <c>removed</c>. Returns the exit code.
    /// </summary>
    public async Task<int> WaitAsync(string reference, string? condition, CancellationToken cancellationToken)
    {
        var entry = Find(reference);
        switch (condition)
        {
            case "removed":
                return await entry.Removed.Task.WaitAsync(cancellationToken);
            case "next-exit":
                return await entry.NextExit.Task.WaitAsync(cancellationToken);
            default:
                var record = entry.Context.Record;
                return record.State is ContainerState.Running or ContainerState.Restarting
                    ? await entry.NextExit.Task.WaitAsync(cancellationToken)
                    : record.ExitCode;
        }
    }

    /// <summary>Completes when the container's current run ends (for attach and log follow).</summary>
    public Task ExitedTask(string reference)
    {
        var entry = Find(reference);
        return entry.Context.Record.State is ContainerState.Running or ContainerState.Created or ContainerState.Restarting
            ? entry.NextExit.Task
            : Task.CompletedTask;
    }

    private async Task StartProcessAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        var context = entry.Context;
        var id = context.Record.Id;
        var bundle = new OciBundleSpec();
        try
        {
            foreach (var hook in _hooks)
            {
                var started = Stopwatch.GetTimestamp();
                await hook.BeforeStartAsync(context, bundle, cancellationToken);
                Step(context.Record.Name, hook, "before start", started);
            }

            bundle.WriteTo(context.Paths.Directory);
            _logs.Open(id, context.Paths);
            var running = Stopwatch.GetTimestamp();
            var pid = await _runtime.RunDetachedAsync(id, context.Paths.Directory, context.Paths.StdoutPipe, context.Paths.StderrPipe, cancellationToken);
            Step(context.Record.Name, "runtime run", running);
            Save(entry, context.Record with
            {
                State = ContainerState.Running,
                Pid = pid,
                PidStartTime = LinuxNative.ReadStartTime(pid) ?? 0,
                StartedAt = _time.GetUtcNow(),
                StoppedByUser = false,
                ExitCode = 0,
                Error = null,
                OomKilled = false,
            });
            _logs.Activate(id);
            Log.Started(_logger, context.Record.Name, pid);
        }
        catch (Exception error) when (error is RuntimeException or InvalidRunOptionsException or IOException)
        {
            await _runtime.DeleteAsync(id, force: true, CancellationToken.None);
            await AfterExitHooksAsync(context);
            Save(entry, context.Record with
            {
                State = ContainerState.Exited,
                ExitCode = 127,
                Error = error.Message,
                FinishedAt = _time.GetUtcNow(),
                StoppedByUser = true,
            });
            entry.CompleteExit(127);
            throw;
        }
        finally
        {
            SignalMonitor();
        }
    }

    private async Task AfterExitHooksAsync(ContainerContext context)
    {
        for (var index = _hooks.Count - 1; index >= 0; index--)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                await _hooks[index].AfterExitAsync(context, CancellationToken.None);
                Step(context.Record.Name, _hooks[index], "after exit", started);
            }
            catch (Exception error) when (error is IOException or InvalidOperationException)
            {
                Log.HookFailed(_logger, "after-exit", context.Record.Name, error.Message);
            }
        }
    }

    /// <summary>
    /// Runs every hook's removal in reverse order and deletes the container's directory. The runtime is asked
    /// to forget the container first unless it already has (<paramref name="runtimeMayKnow"/> false).
    /// </summary>
    private async Task ReleaseAsync(ContainerContext context, bool runtimeMayKnow, CancellationToken cancellationToken)
    {
        var name = context.Record.Name;
        if (runtimeMayKnow)
        {
            var deleting = Stopwatch.GetTimestamp();
            await _runtime.DeleteAsync(context.Record.Id, force: true, cancellationToken);
            Step(name, "runtime delete", deleting);
        }

        for (var index = _hooks.Count - 1; index >= 0; index--)
        {
            var started = Stopwatch.GetTimestamp();
            await _hooks[index].RemoveAsync(context, cancellationToken);
            Step(name, _hooks[index], "remove", started);
        }

        var removing = Stopwatch.GetTimestamp();
        Discard(context.Paths.Directory);
        Step(name, "directory discard", removing);
    }

    private void Step(string name, IContainerHook hook, string step, long started)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.Step(_logger, name, $"{hook.GetType().Name} {step}", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private void Step(string name, string step, long started) =>
        Log.Step(_logger, name, step, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    private void Save(ContainerEntry entry, ContainerRecord record)
    {
        entry.Context.Record = record;
        StateJson.Write(entry.Context.Paths.RecordFile, record);
    }

    private ContainerEntry Find(string reference)
    {
        if (_containers.TryGetValue(reference, out var byId))
        {
            return byId;
        }

        var name = reference.TrimStart('/');
        lock (_namesLock)
        {
            if (_names.TryGetValue(name, out var id) && _containers.TryGetValue(id, out var byName))
            {
                return byName;
            }
        }

        var matches = reference.Length >= 3
            ? _containers.Values.Where(e => e.Context.Record.Id.StartsWith(reference, StringComparison.Ordinal)).Take(2).ToList()
            : [];
        return matches.Count == 1 ? matches[0] : throw new ContainerNotFoundException(reference);
    }

    private string ReserveName(string? requested, string id)
    {
        lock (_namesLock)
        {
            if (requested is not null)
            {
                if (_names.TryGetValue(requested, out var existing))
                {
                    throw new NameConflictException(requested, existing);
                }

                _names[requested] = id;
                return requested;
            }

            while (true)
            {
                var generated = ContainerNames.Generate();
                if (_names.TryAdd(generated, id))
                {
                    return generated;
                }
            }
        }
    }

    private void ReleaseName(string name)
    {
        lock (_namesLock)
        {
            _names.Remove(name);
        }
    }

    private ContainerRecord BuildRecord(string id, string name, ContainerSpec spec, ImageRecord image)
    {
        var entrypoint = spec.Entrypoint ?? image.Config.Entrypoint;
        var command = spec.Command is { Count: > 0 } ? spec.Command : spec.Entrypoint is not null ? [] : image.Config.Cmd;
        var args = entrypoint.Concat(command).ToList();
        if (args.Count == 0)
        {
            throw new InvalidRunOptionsException($"no command specified: image {spec.Image} has no Cmd or Entrypoint, give a command");
        }

        var hostname = string.IsNullOrEmpty(spec.Hostname) ? id[..12] : spec.Hostname;
        var env = new List<string>();
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var variable in image.Config.Env.Append($"HOSTNAME={hostname}").Concat(spec.Env))
        {
            var key = variable.Split('=', 2)[0];
            if (keys.TryGetValue(key, out var index))
            {
                env[index] = variable;
            }
            else
            {
                keys[key] = env.Count;
                env.Add(variable);
            }
        }

        if (!keys.ContainsKey("PATH"))
        {
            env.Insert(0, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }

        return new ContainerRecord
        {
            Id = id,
            Name = name,
            Spec = spec,
            ImageId = image.Id,
            Args = args,
            Env = env,
            WorkingDir = string.IsNullOrEmpty(spec.WorkingDir) ? image.Config.WorkingDir : spec.WorkingDir,
            User = spec.User ?? image.Config.User,
            Hostname = hostname,
            Created = _time.GetUtcNow(),
        };
    }
}

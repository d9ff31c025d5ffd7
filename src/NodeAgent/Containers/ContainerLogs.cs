using System.Collections.Concurrent;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// Collects every running container's output in one loop (no process or thread per container) and reads
/// logs back with tail, since/until and follow.
/// </summary>
public sealed class ContainerLogs(IOptions<AgentOptions> options, TimeProvider time)
{
    public static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<string, ContainerLogFile> _files = new();
    private readonly ConcurrentDictionary<string, byte> _active = new();

    public ContainerLogFile Open(string id, ContainerPaths paths) =>
        _files.GetOrAdd(id, _ => new ContainerLogFile(paths, options.Value.LogMaxBytes, options.Value.LogMaxFiles));

    /// <summary>Marks the container as producing output, so the loop drains it.</summary>
    public void Activate(string id) => _active[id] = 0;

    /// <summary>Drains what is left after the container exited; it stays readable.</summary>
    public void Deactivate(string id)
    {
        _active.TryRemove(id, out _);
        if (_files.TryGetValue(id, out var file))
        {
            file.Drain(final: true, time.GetUtcNow());
        }
    }

    public void Forget(string id)
    {
        _active.TryRemove(id, out _);
        _files.TryRemove(id, out _);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(DrainInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            foreach (var id in _active.Keys)
            {
                if (_files.TryGetValue(id, out var file))
                {
                    try
                    {
                        file.Drain(final: false, now);
                    }
                    catch (IOException)
                    {
                        // The container directory is being removed; its next drain or removal settles it.
                    }
                }
            }
        }
    }

    /// <summary>
    /// Streams log entries to <paramref name="sink"/>. With follow, keeps going until
    /// <paramref name="stopped"/> completes (the container exited) and everything is read, or cancellation.
    /// </summary>
    public async Task ReadAsync(string id, LogReadOptions request, Task stopped, Func<LogEntry, CancellationToken, ValueTask> sink, CancellationToken cancellationToken)
    {
        if (!_files.TryGetValue(id, out var file))
        {
            return;
        }

        bool Wanted(LogEntry entry) =>
            (entry.Stream == LogStream.Stdout ? request.Stdout : request.Stderr)
            && (request.Since is null || entry.Time >= request.Since)
            && (request.Until is null || entry.Time <= request.Until);

        var generation = file.Generation;
        var appended = file.Appended;
        long position;
        if (request.FromEnd)
        {
            position = File.Exists(file.Path) ? new FileInfo(file.Path).Length : 0;
        }
        else
        {
            var history = new List<LogEntry>();
            position = 0;
            foreach (var path in file.Files())
            {
                var end = ReadLines(path, 0, entry =>
                {
                    if (Wanted(entry))
                    {
                        history.Add(entry);
                    }
                });
                if (path == file.Path)
                {
                    position = end;
                }
            }

            var skip = request.Tail is { } tail ? Math.Max(0, history.Count - tail) : 0;
            foreach (var entry in history.Skip(skip))
            {
                await sink(entry, cancellationToken);
            }
        }

        if (!request.Follow)
        {
            return;
        }

        var cancelled = Task.Delay(Timeout.Infinite, cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            var exited = stopped.IsCompleted;
            var pending = new List<LogEntry>();
            position = ReadLines(file.Path, position, entry =>
            {
                if (Wanted(entry))
                {
                    pending.Add(entry);
                }
            });
            if (file.Generation != generation)
            {
                // Rotated: the lines past our position moved to container.log.1; the live file starts over.
                ReadLines(file.Path + ".1", position, entry => pending.Add(entry));
                generation = file.Generation;
                position = ReadLines(file.Path, 0, entry => pending.Add(entry));
            }

            foreach (var entry in pending)
            {
                await sink(entry, cancellationToken);
            }

            if (exited)
            {
                return;
            }

            await Task.WhenAny(appended, stopped, cancelled);
            appended = file.Appended;
        }
    }

    /// <summary>Reads complete lines from <paramref name="offset"/>; returns the offset after the last complete line.</summary>
    private static long ReadLines(string path, long offset, Action<LogEntry> onEntry)
    {
        if (!File.Exists(path))
        {
            return offset;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length <= offset)
        {
            return offset;
        }

        stream.Seek(offset, SeekOrigin.Begin);
        var bytes = new byte[stream.Length - offset];
        stream.ReadExactly(bytes);
        var start = 0;
        while (true)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', start);
            if (newline < 0)
            {
                break;
            }

            if (ContainerLogFile.Parse(bytes.AsSpan(start, newline - start)) is { } entry)
            {
                onEntry(entry);
            }

            start = newline + 1;
        }

        return offset + start;
    }
}

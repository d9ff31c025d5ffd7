using System.Globalization;
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

        // The live file is held open while following: a rotation renames it, so the handle still reads
        // every line written before the rotation, however far behind the follower is.
        var generation = file.Generation;
        var appended = file.Appended;
        var live = OpenLog(file.Path);
        try
        {
            long position;
            if (request.FromEnd)
            {
                position = live?.Length ?? 0;
            }
            else
            {
                var history = new List<LogEntry>();
                position = 0;
                foreach (var path in file.Files())
                {
                    if (path == file.Path)
                    {
                        position = ReadLines(live, 0, Collect(history));
                    }
                    else
                    {
                        using var rotated = OpenLog(path);
                        ReadLines(rotated, 0, Collect(history));
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
                var current = file.Generation;
                var pending = new List<LogEntry>();
                if (live is null && current == generation)
                {
                    live = OpenLog(file.Path);
                    if (live is not null && file.Generation != current)
                    {
                        live.Dispose(); // Opened the file of a newer generation: read it in order below.
                        live = null;
                    }
                }

                position = ReadLines(live, position, Collect(pending));
                if (current != generation)
                {
                    // Rotated (current - generation times): a held file is complete; the generations after
                    // it (or from the first, when none was held) are .N … .1, then a new live file starts.
                    for (var index = current - generation - (live is null ? 0 : 1); index >= 1; index--)
                    {
                        using var rotated = OpenLog($"{file.Path}.{index.ToString(CultureInfo.InvariantCulture)}");
                        ReadLines(rotated, 0, Collect(pending));
                    }

                    live?.Dispose();
                    live = OpenLog(file.Path);
                    generation = current;
                    position = ReadLines(live, 0, Collect(pending));
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
        finally
        {
            live?.Dispose();
        }

        Action<LogEntry> Collect(List<LogEntry> into) => entry =>
        {
            if (Wanted(entry))
            {
                into.Add(entry);
            }
        };
    }

    private static FileStream? OpenLog(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reads complete lines from <paramref name="offset"/>; returns the offset after the last complete line.</summary>
    private static long ReadLines(FileStream? stream, long offset, Action<LogEntry> onEntry)
    {
        if (stream is null || stream.Length <= offset)
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

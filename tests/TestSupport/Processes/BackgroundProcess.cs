using System.Diagnostics;

namespace Flotilla.TestSupport.Processes;

/// <summary>
/// A long-running child process (a server, an agent) whose output is kept for diagnostics and
/// searched for readiness lines. Disposing kills it and everything it started.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private const int MaxKeptLines = 400;
    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private int? _exitCode;

    private BackgroundProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    /// <summary>The command as started, for messages.</summary>
    public string CommandLine { get; }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited (also after it was disposed).</summary>
    public bool HasExited => _exitCode is not null || _process.HasExited;

    /// <summary>The exit status; throws while the process runs.</summary>
    public int ExitCode => _exitCode ?? _process.ExitCode;

    /// <summary>The last lines it printed on stdout and stderr, interleaved as they arrived.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public static BackgroundProcess Start(
        string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var background = new BackgroundProcess(process, ProcessRunner.FormatCommandLine(fileName, startInfo.ArgumentList));
        process.OutputDataReceived += (_, e) => background.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => background.OnLine(e.Data);
        process.Exited += (_, _) => background.OnExited();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"cannot start `{background.CommandLine}`: {ex.Message}; is it installed (scripts/install-deps.sh)?", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    /// <summary>
    /// Waits until the process prints a line for which <paramref name="match"/> is true and returns
    /// that line. Throws with the recent output when the process exits first or time runs out.
    /// </summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            var seen = _lines.FirstOrDefault(match);
            if (seen is not null)
            {
                return seen;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"`{CommandLine}` exited with {_process.ExitCode} before it was ready:\n{RecentOutput}");
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"`{CommandLine}` printed no ready line within {timeout}:\n{RecentOutput}");
        }
    }

    /// <summary>Waits for the process to exit on its own and returns its status.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Kills the process and its children, then waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
            _exitCode = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing left to stop.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > MaxKeptLines)
            {
                _lines.Dequeue();
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    matched.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in matched)
        {
            waiter.TrySetResult(line);
        }
    }

    private void OnExited()
    {
        List<TaskCompletionSource<string>> pending;
        lock (_lines)
        {
            pending = [.. _waiters.Select(w => w.Found)];
            _waiters.Clear();
        }

        foreach (var waiter in pending)
        {
            waiter.TrySetException(new InvalidOperationException(
                $"`{CommandLine}` exited with {_process.ExitCode} before it was ready:\n{RecentOutput}"));
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using Flotilla.NodeAgent.Metrics;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Runtime;

/// <summary>
/// Drives a runc-CLI compatible OCI runtime. Containers are created detached with their stdio going
/// straight to append-mode files, so no agent process sits between a container and its output and a
/// dead agent neither kills nor blocks it.
/// </summary>
public sealed class OciRuntime(IOptions<RuntimeOptions> options, AgentMetrics metrics)
{
    private readonly RuntimeOptions _options = options.Value;

    public string BinaryPath => _options.Path;

    /// <summary>
    /// Creates and starts the container from <paramref name="bundle"/> in one runtime call (<c>run --detach</c>,
    /// one process instead of <c>create</c> then <c>start</c>); its stdout/stderr append to the given files.
    /// Returns the pid of its init process.
    /// </summary>
    public async Task<int> RunDetachedAsync(string id, string bundle, string stdoutFile, string stderrFile, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(bundle, "init.pid");
        File.Delete(pidFile);
        var errorStart = File.Exists(stderrFile) ? new FileInfo(stderrFile).Length : 0;

        // The shell only sets up redirections and execs the runtime: it is the cheapest way to hand the
        // runtime (and so the container) two O_APPEND file descriptors without a resident process.
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c", "exec \"$0\" \"$@\" </dev/null >>\"$FLOTILLA_STDOUT\" 2>>\"$FLOTILLA_STDERR\"",
                _options.Path, "--root", _options.Root, "run", "--detach", "--bundle", bundle, "--pid-file", pidFile, id,
            },
            Environment = { ["FLOTILLA_STDOUT"] = stdoutFile, ["FLOTILLA_STDERR"] = stderrFile },
            UseShellExecute = false,
        };
        var result = await RunAsync("run", start, cancellationToken);
        if (result.ExitCode != 0)
        {
            var error = ReadFrom(stderrFile, errorStart).Trim();
            throw new RuntimeException($"runtime run failed: {Summarize(error)}");
        }

        var pidText = await File.ReadAllTextAsync(pidFile, cancellationToken);
        return int.Parse(pidText.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task KillAsync(string id, string signal, CancellationToken cancellationToken) => CheckedAsync("kill", cancellationToken, "kill", id, signal);

    public async Task DeleteAsync(string id, bool force, CancellationToken cancellationToken)
    {
        var result = await InvokeAsync("delete", cancellationToken, force ? ["delete", "--force", id] : ["delete", id]);
        if (result.ExitCode != 0 && !IsNotFound(result.Error))
        {
            throw new RuntimeException($"runtime delete failed: {Summarize(result.Error)}");
        }
    }

    /// <summary>The runtime's view of a container, or null when it does not know it.</summary>
    public async Task<RuntimeState?> StateAsync(string id, CancellationToken cancellationToken)
    {
        var result = await InvokeAsync("state", cancellationToken, "state", id);
        if (result.ExitCode != 0)
        {
            return null;
        }

        using var document = JsonDocument.Parse(result.Output);
        var root = document.RootElement;
        return new RuntimeState(
            root.GetProperty("status").GetString() ?? "unknown",
            root.TryGetProperty("pid", out var pid) ? pid.GetInt32() : 0);
    }

    /// <summary>
    /// Starts <c>runtime exec</c> for a process described by <paramref name="processFile"/>, with piped stdio;
    /// the runtime waits for the process and exits with its status.
    /// </summary>
    public Process StartExec(string id, string processFile)
    {
        var start = new ProcessStartInfo(_options.Path)
        {
            ArgumentList = { "--root", _options.Root, "exec", "--process", processFile, id },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new RuntimeException("runtime exec could not be started");
    }

    private async Task CheckedAsync(string operation, CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await InvokeAsync(operation, cancellationToken, arguments);
        if (result.ExitCode != 0)
        {
            throw new RuntimeException($"runtime {operation} failed: {Summarize(result.Error)}");
        }
    }

    private Task<ProcessResult> InvokeAsync(string operation, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo(_options.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--root");
        start.ArgumentList.Add(_options.Root);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return RunAsync(operation, start, cancellationToken);
    }

    private async Task<ProcessResult> RunAsync(string operation, ProcessStartInfo start, CancellationToken cancellationToken)
    {
        var timer = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new RuntimeException($"runtime {operation} could not be started");
        var output = start.RedirectStandardOutput ? process.StandardOutput.ReadToEndAsync(cancellationToken) : Task.FromResult("");
        var error = start.RedirectStandardError ? process.StandardError.ReadToEndAsync(cancellationToken) : Task.FromResult("");
        if (start.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync(cancellationToken);
        var result = new ProcessResult(process.ExitCode, await output, await error);
        metrics.ObserveRuntimeCall(operation, timer.Elapsed);
        return result;
    }

    private static bool IsNotFound(string error) =>
        error.Contains("does not exist", StringComparison.OrdinalIgnoreCase) || error.Contains("not found", StringComparison.OrdinalIgnoreCase);

    private static string ReadFrom(string file, long offset)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>runc logs JSON lines (<c>{"level":"error","msg":...}</c>); users want the message.</summary>
    private static string Summarize(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var messages = new List<string>();
        foreach (var line in lines)
        {
            if (line.StartsWith('{'))
            {
                try
                {
                    using var document = JsonDocument.Parse(line);
                    if (document.RootElement.TryGetProperty("msg", out var msg))
                    {
                        messages.Add(msg.GetString() ?? line);
                        continue;
                    }
                }
                catch (JsonException)
                {
                }
            }

            messages.Add(line);
        }

        return messages.Count == 0 ? "no error output" : string.Join("; ", messages.TakeLast(3));
    }

    private sealed record ProcessResult(int ExitCode, string Output, string Error);
}

public sealed record RuntimeState(string Status, int Pid);

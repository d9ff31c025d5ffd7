using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Flotilla.TestSupport.Processes;

namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>
/// The built agent (<c>Flotilla.NodeAgent.dll</c>) run by <c>dotnet</c> as a process of its own, with the given
/// configuration. <see cref="Kill"/> sends SIGKILL to the agent alone: its containers are not its process
/// tree's business once it is gone.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public int Pid => _process.Id;

    /// <summary>What the agent printed (for assertion messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the agent with <paramref name="settings"/> (<c>--Agent:SocketPath=...</c>) and waits until its API answers.</summary>
    public static async Task<AgentProcess> StartAsync(string socketPath, IEnumerable<string> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Flotilla.NodeAgent.dll"));
        start.ArgumentList.Add($"--Agent:SocketPath={socketPath}");
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started");
        var agent = new AgentProcess(process, socketPath);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await agent.WaitUntilReadyAsync();
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the real docker CLI against this agent.</summary>
    public Task<ProcessResult> DockerAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("docker", ["-H", $"unix://{SocketPath}", .. arguments], timeout: TimeSpan.FromSeconds(60));

    /// <summary>SIGKILL to the agent process only, as a crash or the OOM killer would.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>Stops the agent gracefully (SIGTERM) if it still runs; its containers keep running.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: false);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        using var client = AgentHttp.CreateClient(SocketPath);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the agent exited with {_process.ExitCode} before answering:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/_ping", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException error) when (error.InnerException is SocketException or null)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the agent did not answer on {SocketPath} within 60 s:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}

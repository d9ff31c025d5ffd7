using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Flotilla.TestSupport.Netns;
using Flotilla.TestSupport.Processes;

namespace Flotilla.TestSupport.Agents;

/// <summary>
/// A real node agent process (<c>dotnet Flotilla.NodeAgent.dll</c>), optionally inside a
/// <see cref="NetnsHost"/>, with its own state directory, socket, runtime root and cgroup parent. Its
/// stdout and stderr go to <see cref="LogPath"/>. <see cref="StartAsync"/> returns once the agent
/// answers <c>/_ping</c> on its socket.
/// <code>
/// await using var agent = await AgentProcess.StartAsync(new() { NodeId = $"e2e-{suffix}", Host = hosts[0] });
/// var run = await agent.DockerAsync("run", "-d", "-p", "8080:80", image);
/// await agent.KillAsync();      // SIGKILL: its containers keep running
/// await agent.RestartAsync();   // a new process on the same state, which re-adopts them
/// </code>
/// Disposing removes the agent's containers (through its API while it runs, then whatever the runtime
/// still knows), stops it, and deletes its cgroups, mounts and directories. Needs root.
/// </summary>
/// <remarks>
/// A netns host's agent is started with <c>nsenter --net</c>, not <c>ip netns exec</c>: the latter also
/// gives the process a private mount namespace, so the agent's mounts (container network namespaces,
/// root file systems) would vanish with the process and a restarted agent could not re-adopt anything.
/// A production agent shares the host's mount namespace, as this one does.
/// </remarks>
public sealed class AgentProcess : IAsyncDisposable
{
    private const string BridgeArgument = "--Networking:BridgeName=";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);
    private readonly AgentProcessOptions _options;
    private readonly string _assemblyPath;
    private Process? _process;

    private AgentProcess(AgentProcessOptions options, string assemblyPath, int httpPort)
    {
        _options = options;
        _assemblyPath = assemblyPath;
        HttpPort = httpPort;
        Root = Path.Combine(Path.GetTempPath(), $"flotilla-agent-{options.NodeId}");
        RuntimeRoot = Path.Combine("/run", $"flotilla-agent-{options.NodeId}");
    }

    /// <summary>The agent's node id.</summary>
    public string NodeId => _options.NodeId;

    /// <summary>The host it runs in, or null for the test's own namespace.</summary>
    public NetnsHost? Host => _options.Host;

    /// <summary>Holds the state directory, the socket and the log; deleted on dispose.</summary>
    public string Root { get; }

    /// <summary><c>--Agent:StateDirectory</c>.</summary>
    public string StateDirectory => Path.Combine(Root, "state");

    /// <summary><c>--Agent:SocketPath</c>: the Docker Engine API subset.</summary>
    public string SocketPath => Path.Combine(Root, "agent.sock");

    /// <summary>The agent's stdout and stderr, appended across restarts.</summary>
    public string LogPath => Path.Combine(Root, "agent.log");

    /// <summary><c>--Runtime:Root</c>: the OCI runtime's state (on tmpfs, as in production).</summary>
    public string RuntimeRoot { get; }

    /// <summary>The agent's HTTP port (/metrics, /healthz), in <see cref="Host"/>'s namespace.</summary>
    public int HttpPort { get; }

    /// <summary><c>http://&lt;host address&gt;:&lt;port&gt;/</c>, reachable from the other netns hosts (127.0.0.1 without a host).</summary>
    public Uri HttpAddress => new($"http://{Host?.Address ?? "127.0.0.1"}:{HttpPort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>The process id of the running agent; 0 when none runs.</summary>
    public int Pid => _process is { HasExited: false } process ? process.Id : 0;

    /// <summary>True while the agent process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The OCI runtime binary the agent drives.</summary>
    public string RuntimePath => _options.RuntimePath ?? Environment.GetEnvironmentVariable("FLOTILLA_TEST_RUNTIME") ?? "runc";

    private string NetnsDirectory => Path.Combine("/run/flotilla/netns", NodeId);

    /// <summary>The bridge the agent was told to use: the last <c>--Networking:BridgeName=</c> given.</summary>
    private string BridgeName => DefaultNetworking(NodeId).Concat(_options.Arguments)
        .Last(a => a.StartsWith(BridgeArgument, StringComparison.Ordinal))[BridgeArgument.Length..];

    /// <summary>Starts the agent and waits until it answers on its socket; throws with its log if it does not.</summary>
    public static async Task<AgentProcess> StartAsync(AgentProcessOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("a node agent needs root (namespaces, cgroups, mounts): run the tests as root");
        }

        var assembly = options.AgentAssemblyPath ?? Environment.GetEnvironmentVariable("FLOTILLA_AGENT_DLL") ?? AgentBuild.Locate();
        var agent = new AgentProcess(options, assembly, options.HttpPort ?? (options.Host is null ? FreeTcpPort() : 7080));
        try
        {
            Directory.CreateDirectory(agent.Root);
            await agent.StartProcessAsync(cancellationToken);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>Where agents pin their eBPF fast path by default, one directory per node id.</summary>
    public const string FastPathPinRoot = "/sys/fs/bpf/flotilla";

    /// <summary>Runs the real docker CLI against this agent's socket (from the test's namespace: the socket is a file).</summary>
    public Task<ProcessResult> DockerAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("docker", ["-H", $"unix://{SocketPath}", .. arguments], timeout: TimeSpan.FromSeconds(90));

    /// <summary>An HTTP client for the agent's Docker Engine API on its unix socket; the caller disposes it.</summary>
    public HttpClient CreateApiClient()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://agent/"), Timeout = TimeSpan.FromSeconds(90) };
    }

    /// <summary>The end of the agent's log, for assertion messages.</summary>
    public string LogTail(int lines = 60)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no agent log)";
        }
    }

    /// <summary>SIGKILLs the agent alone (not its containers) and waits until it is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync(cancellationToken);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Stops the agent with SIGTERM (a graceful shutdown), SIGKILL after a timeout.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], cancellationToken: cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Did not stop in time: fall through to SIGKILL.
            }
        }

        await KillAsync(cancellationToken);
    }

    /// <summary>Kills the agent if it runs (SIGKILL), then starts a new process on the same state and waits for it.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync(cancellationToken);
        await StartProcessAsync(cancellationToken);
    }

    /// <summary>Removes the agent's containers, stops it, and deletes its cgroups, mounts and directories.</summary>
    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            await RemoveContainersThroughApiAsync();
        }

        await StopAsync();
        await AgentLeftovers.RemoveAsync(RuntimePath, RuntimeRoot, NodeId, [Root, RuntimeRoot, NetnsDirectory]);
        if (Host is null)
        {
            // A netns host takes the agent's bridge and rules with it; the test's own namespace keeps them, as a
            // production host does across agent restarts, so they are removed here.
            await AgentLeftovers.RemoveBridgeAsync(BridgeName);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"agent {NodeId}{(Host is null ? "" : $" on {Host}")}";

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        string[] agentArguments =
        [
            _assemblyPath,
            $"--Agent:NodeId={NodeId}",
            $"--Agent:StateDirectory={StateDirectory}",
            $"--Agent:SocketPath={SocketPath}",
            $"--Agent:HttpPort={HttpPort.ToString(CultureInfo.InvariantCulture)}",
            $"--Runtime:Path={RuntimePath}",
            $"--Runtime:Root={RuntimeRoot}",
            .. DefaultNetworking(NodeId),
            .. _options.Arguments,
        ];
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

        // The shell sends output straight to the file, so no pipe ties the agent (or a container that
        // inherited a descriptor) to the test process, and exec keeps the agent's pid the one we hold.
        var startInfo = new ProcessStartInfo(Host is null ? "/bin/sh" : "nsenter") { UseShellExecute = false };
        if (Host is not null)
        {
            startInfo.ArgumentList.Add($"--net=/run/netns/{Host.Namespace}");
            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add("/bin/sh");
        }

        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >>\"$FLOTILLA_AGENT_LOG\" 2>&1");
        startInfo.ArgumentList.Add(dotnet);
        foreach (var argument in agentArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["FLOTILLA_AGENT_LOG"] = LogPath;
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in _options.Environment)
        {
            startInfo.Environment[key] = value;
        }

        _process = Process.Start(startInfo) ?? throw new InvalidOperationException($"cannot start {this}");
        await WaitUntilReadyAsync(cancellationToken);
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = CreateApiClient();
        client.Timeout = TimeSpan.FromSeconds(5);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process is null || _process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{this} exited with {_process?.ExitCode.ToString(CultureInfo.InvariantCulture) ?? "?"} before it answered on {SocketPath}:\n{LogTail()}");
            }

            if (File.Exists(SocketPath))
            {
                try
                {
                    using var response = await client.GetAsync(new Uri("_ping", UriKind.Relative), cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Socket file there but not listening yet (or a stale one from before a kill).
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // One slow ping; the deadline below decides.
                }
            }

            if (deadline.Elapsed > _options.StartTimeout)
            {
                throw new TimeoutException($"{this} did not answer /_ping on {SocketPath} within {_options.StartTimeout}:\n{LogTail()}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task RemoveContainersThroughApiAsync()
    {
        try
        {
            var listed = await DockerAsync("ps", "-aq", "--no-trunc");
            foreach (var id in listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await DockerAsync("rm", "-f", id);
            }
        }
        catch (Exception error) when (error is InvalidOperationException or TimeoutException or IOException)
        {
            // Best effort: AgentLeftovers removes what the agent could not.
        }
    }

    /// <summary>
    /// A bridge and subnet of this agent's own, so no test ever makes <c>flotilla0</c> or 10.88/16 (the production
    /// defaults), not even an agent run without a netns host. <see cref="AgentProcessOptions.Arguments"/> override them.
    /// </summary>
    private static string[] DefaultNetworking(string nodeId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(nodeId));
        return
        [
            $"{BridgeArgument}flt{Convert.ToHexStringLower(hash)[..8]}",
            $"--Networking:Subnet=10.{(64 + (hash[8] % 64)).ToString(CultureInfo.InvariantCulture)}.{hash[9].ToString(CultureInfo.InvariantCulture)}.0/24",
        ];
    }

    private static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Scheduling;

/// <summary>
/// A real control plane process (<c>dotnet Flotilla.ControlPlane.dll</c>, embedded mode, one silo) on free
/// ports of every address, so netns hosts reach it at their gateway address. <see cref="RestartAsync"/>
/// stops the silo and starts a new one on the same ports over the same data directory.
/// </summary>
internal sealed class ControlPlaneProcess : IAsyncDisposable
{
    public const string ApiToken = "e2e-api-token-0123456789abcdef";
    public const string JoinToken = "e2e-join-token-0123456789abcdef";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly string _assembly;
    private Process? _process;

    private ControlPlaneProcess(string assembly)
    {
        _assembly = assembly;
        Root = Directory.CreateTempSubdirectory("flotilla-e2e-cp-").FullName;
        RestPort = FreePort();
        GrpcPort = FreePort();
    }

    public string Root { get; }

    public int RestPort { get; }

    public int GrpcPort { get; }

    public string LogPath => Path.Combine(Root, "controlplane.log");

    public static async Task<ControlPlaneProcess> StartAsync()
    {
        var controlPlane = new ControlPlaneProcess(Locate());
        try
        {
            await controlPlane.StartProcessAsync();
            return controlPlane;
        }
        catch
        {
            await controlPlane.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the silo (SIGTERM, SIGKILL after 20 s).</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public string LogTail()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return string.Join('\n', new StreamReader(stream).ReadToEnd().Split('\n').TakeLast(40));
        }
        catch (IOException)
        {
            return "(no control plane log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(Root, recursive: true);
    }

    private async Task StartProcessAsync()
    {
        string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >>\"$FLOTILLA_CP_LOG\" 2>&1");
        startInfo.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        foreach (var argument in new[]
        {
            _assembly,
            "--ControlPlane:Mode=Embedded",
            $"--ControlPlane:DataDirectory={Path.Combine(Root, "data")}",
            $"--ControlPlane:RestPort={Port(RestPort)}",
            $"--ControlPlane:GrpcPort={Port(GrpcPort)}",
            $"--ControlPlane:SiloPort={Port(FreePort())}",
            $"--ControlPlane:GatewayPort={Port(FreePort())}",
            "--ControlPlane:HeartbeatIntervalSeconds=1",
            "--ControlPlane:NodeTimeoutSeconds=10",
            "--Logging:LogLevel:Orleans=Warning",
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Tokens through the environment, as scripts/up.sh passes them: never on a command line.
        startInfo.Environment["ControlPlane__ApiToken"] = ApiToken;
        startInfo.Environment["ControlPlane__JoinToken"] = JoinToken;
        startInfo.Environment["FLOTILLA_CP_LOG"] = LogPath;
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("cannot start the control plane");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the control plane exited with {_process.ExitCode}:\n{LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Port(RestPort)}/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"the control plane did not answer /healthz within {StartTimeout}:\n{LogTail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The control plane built in the test's own configuration (the project reference builds it first).</summary>
    private static string Locate()
    {
        const string name = "Flotilla.ControlPlane.dll";
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"cannot find Cluster.sln above {AppContext.BaseDirectory}");
        }

        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)));
        var path = Path.Combine(directory.FullName, "src", "ControlPlane", "bin", configuration ?? "Debug", "net10.0", name);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build it (dotnet build src/ControlPlane/ControlPlane.csproj -c {configuration})");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

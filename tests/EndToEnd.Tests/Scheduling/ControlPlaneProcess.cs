using System.Globalization;
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
    private readonly DotnetServiceProcess _service;

    private ControlPlaneProcess(string root)
    {
        Root = root;
        RestPort = DotnetServiceProcess.FreePort();
        GrpcPort = DotnetServiceProcess.FreePort();
        _service = new DotnetServiceProcess("ControlPlane", "the control plane", Path.Combine(Root, "controlplane.log"), new Uri($"http://127.0.0.1:{Port(RestPort)}/healthz"))
        {
            StartTimeout = TimeSpan.FromSeconds(90),
            StopTimeout = TimeSpan.FromSeconds(20),
        };
    }

    public string Root { get; }

    public int RestPort { get; }

    public int GrpcPort { get; }

    public string LogPath => _service.LogPath;

    public static async Task<ControlPlaneProcess> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("flotilla-e2e-cp-").FullName;
        ControlPlaneProcess? controlPlane = null;
        try
        {
            controlPlane = new ControlPlaneProcess(root);
            await controlPlane.StartServiceAsync();
            return controlPlane;
        }
        catch
        {
            if (controlPlane is not null)
            {
                await controlPlane.DisposeAsync();
            }
            else
            {
                Directory.Delete(root, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Stops the silo (SIGTERM, SIGKILL after 20 s).</summary>
    public Task StopAsync() => _service.StopAsync();

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartServiceAsync();
    }

    public string LogTail() => _service.LogTail(40);

    public async ValueTask DisposeAsync()
    {
        await _service.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    private Task StartServiceAsync() => _service.StartAsync(
        [
            "--ControlPlane:Mode=Embedded",
            $"--ControlPlane:DataDirectory={Path.Combine(Root, "data")}",
            $"--ControlPlane:RestPort={Port(RestPort)}",
            $"--ControlPlane:GrpcPort={Port(GrpcPort)}",
            $"--ControlPlane:SiloPort={Port(DotnetServiceProcess.FreePort())}",
            $"--ControlPlane:GatewayPort={Port(DotnetServiceProcess.FreePort())}",
            "--ControlPlane:HeartbeatIntervalSeconds=1",
            "--ControlPlane:NodeTimeoutSeconds=10",
            "--Logging:LogLevel:Orleans=Warning",
        ],
        // Tokens through the environment, as scripts/up.sh passes them: never on a command line.
        new Dictionary<string, string> { ["ControlPlane__ApiToken"] = ApiToken, ["ControlPlane__JoinToken"] = JoinToken });

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}

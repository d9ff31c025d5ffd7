using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Gateway;

/// <summary>
/// A real gateway process (<c>dotnet Flotilla.Gateway.dll</c>) on free proxy and admin ports, subscribed
/// to a control plane's route feed with the token in its environment, as an operator would start it.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _admin;
    private Process? _process;

    private GatewayProcess()
    {
        Root = Directory.CreateTempSubdirectory("flotilla-e2e-gw-").FullName;
        ProxyPort = FreePort();
        AdminPort = FreePort();
        _admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{AdminPort.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public string Root { get; }

    public int ProxyPort { get; }

    public int AdminPort { get; }

    public Uri ProxyUri => new($"http://127.0.0.1:{ProxyPort.ToString(CultureInfo.InvariantCulture)}");

    public string LogPath => Path.Combine(Root, "gateway.log");

    public static async Task<GatewayProcess> StartAsync(string controlPlaneAddress, string token)
    {
        var gateway = new GatewayProcess();
        try
        {
            await gateway.StartProcessAsync(controlPlaneAddress, token);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>The gateway's <c>/routes</c>: the table it serves, as JSON.</summary>
    public async Task<JsonElement> RoutesAsync()
    {
        using var response = await _admin.GetAsync(new Uri("/routes", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The replica ids the gateway routes <paramref name="workload"/> to and considers available.</summary>
    public async Task<IReadOnlySet<string>> AvailableDestinationsAsync(string workload)
    {
        var routes = await RoutesAsync();
        return routes.GetProperty("routes").EnumerateArray()
            .Where(r => r.GetProperty("workload").GetString() == workload)
            .SelectMany(r => r.GetProperty("destinations").EnumerateArray())
            .Where(d => d.GetProperty("available").GetBoolean())
            .Select(d => d.GetProperty("replicaId").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
    }

    public string LogTail()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return string.Join('\n', new StreamReader(stream).ReadToEnd().Split('\n').TakeLast(30));
        }
        catch (IOException)
        {
            return "(no gateway log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
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

        _admin.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private async Task StartProcessAsync(string controlPlaneAddress, string token)
    {
        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >>\"$FLOTILLA_GW_LOG\" 2>&1");
        startInfo.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        foreach (var argument in new[]
        {
            Locate(),
            $"--Gateway:ProxyPort={ProxyPort.ToString(CultureInfo.InvariantCulture)}",
            $"--Gateway:AdminPort={AdminPort.ToString(CultureInfo.InvariantCulture)}",
            "--ControlPlane:ReconnectMaxDelay=00:00:01",
            "--ControlPlane:KeepAlivePingDelay=00:00:02",
            "--ControlPlane:KeepAlivePingTimeout=00:00:02",
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The address and token through the environment, as a unit file or container would pass them.
        startInfo.Environment["ControlPlane__Address"] = controlPlaneAddress;
        startInfo.Environment["ControlPlane__Token"] = token;
        startInfo.Environment["FLOTILLA_GW_LOG"] = LogPath;
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("cannot start the gateway");

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the gateway exited with {_process.ExitCode}:\n{LogTail()}");
            }

            try
            {
                using var response = await _admin.GetAsync(new Uri("/healthz", UriKind.Relative));
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
                throw new TimeoutException($"the gateway did not answer /healthz within {StartTimeout}:\n{LogTail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The gateway built in the test's own configuration (the project reference builds it first).</summary>
    private static string Locate()
    {
        const string name = "Flotilla.Gateway.dll";
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
        var path = Path.Combine(directory.FullName, "src", "Gateway", "bin", configuration ?? "Debug", "net10.0", name);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build it (dotnet build src/Gateway/Gateway.csproj -c {configuration})");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

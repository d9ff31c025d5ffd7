using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Flotilla.TestSupport.Processes;

/// <summary>
/// A Flotilla service (<c>dotnet Flotilla.&lt;Project&gt;.dll</c>, built in the test's own configuration) run as an
/// operator runs it: a process of its own with its output appended to <see cref="LogPath"/>, ready once its health
/// endpoint answers, stopped with SIGTERM (SIGKILL after a grace period). It can be stopped and started again.
/// </summary>
public sealed class DotnetServiceProcess : IAsyncDisposable
{
    private readonly string _description;
    private readonly string _assembly;
    private readonly Uri _health;
    private Process? _process;

    /// <param name="project">The project under <c>src/</c> (<c>Gateway</c>, <c>ControlPlane</c>).</param>
    /// <param name="description">How messages name it ("the gateway").</param>
    /// <param name="logPath">The file its stdout and stderr are appended to.</param>
    /// <param name="health">The URL that answers 2xx once it is ready (its <c>/healthz</c>).</param>
    public DotnetServiceProcess(string project, string description, string logPath, Uri health)
    {
        _assembly = Locate(project);
        _description = description;
        LogPath = logPath;
        _health = health;
    }

    public string LogPath { get; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Starts it with <paramref name="arguments"/> and <paramref name="environment"/> and waits until it is healthy.</summary>
    public async Task StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        if (_process is not null)
        {
            throw new InvalidOperationException($"{_description} is already running");
        }

        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >>\"$FLOTILLA_SERVICE_LOG\" 2>&1");
        startInfo.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        startInfo.ArgumentList.Add(_assembly);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        startInfo.Environment["FLOTILLA_SERVICE_LOG"] = LogPath;
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException($"cannot start {_description}");
        await WaitUntilHealthyAsync(_process);
    }

    /// <summary>Stops it (SIGTERM, SIGKILL after <see cref="StopTimeout"/>); nothing when it is not running.</summary>
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
            using var timeout = new CancellationTokenSource(StopTimeout);
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

    /// <summary>The last <paramref name="lines"/> lines of its log, for failure messages.</summary>
    public string LogTail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return string.Join('\n', new StreamReader(stream).ReadToEnd().Split('\n').TakeLast(lines));
        }
        catch (IOException)
        {
            return $"(no log of {_description})";
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>A TCP port free on loopback right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilHealthyAsync(Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{_description} exited with {process.ExitCode}:\n{LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync(_health);
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
                throw new TimeoutException($"{_description} did not answer {_health} within {StartTimeout}:\n{LogTail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The service built in the test's own configuration (a project reference builds it first).</summary>
    private static string Locate(string project)
    {
        var name = $"Flotilla.{project}.dll";
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
        var path = Path.Combine(directory.FullName, "src", project, "bin", configuration ?? "Debug", "net10.0", name);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build it (dotnet build src/{project}/{project}.csproj -c {configuration})");
    }
}

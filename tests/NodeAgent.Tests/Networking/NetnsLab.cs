using System.Diagnostics;
using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>
/// Hosts made of network namespaces: a "switch" namespace holding a bridge, and N host namespaces
/// joined to it by veth pairs with addresses 198.18.0.(i+1)/24. Nothing touches the root namespace,
/// so parallel runs never collide; names carry a random suffix. Disposal kills every process started
/// here and deletes every namespace.
/// </summary>
internal sealed class NetnsLab : IAsyncDisposable
{
    private readonly string _prefix = $"fltnet-{Guid.NewGuid().ToString("N")[..8]}";
    private readonly List<Process> _processes = [];
    private readonly List<string> _namespaces = [];
    private readonly List<string> _directories = [];

    private NetnsLab()
    {
    }

    public int HostCount { get; private set; }

    public static async Task<NetnsLab> CreateAsync(int hosts)
    {
        var lab = new NetnsLab { HostCount = hosts };
        try
        {
            var switchName = $"{lab._prefix}-sw";
            await lab.AddNamespaceAsync(switchName);
            await Shell.RunCheckedAsync("ip", "-n", switchName, "link", "add", "sw0", "type", "bridge");
            await Shell.RunCheckedAsync("ip", "-n", switchName, "link", "set", "sw0", "up");
            for (var i = 0; i < hosts; i++)
            {
                var name = lab.HostName(i);
                await lab.AddNamespaceAsync(name);
                await Shell.RunCheckedAsync("ip", "-n", name, "link", "add", "uplink", "type", "veth", "peer", "name", $"port{i}", "netns", switchName);
                await Shell.RunCheckedAsync("ip", "-n", switchName, "link", "set", $"port{i}", "master", "sw0", "up");
                await Shell.RunCheckedAsync("ip", "-n", name, "addr", "add", $"{lab.HostAddress(i)}/24", "dev", "uplink");
                await Shell.RunCheckedAsync("ip", "-n", name, "link", "set", "uplink", "up");
                await Shell.RunCheckedAsync("ip", "-n", name, "link", "set", "lo", "up");
            }

            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public string HostName(int host) => $"{_prefix}-h{host}";

    public string HostNamespacePath(int host) => $"/run/netns/{HostName(host)}";

    public string HostAddress(int host) => $"198.18.0.{host + 1}";

    /// <summary>Runs a command in host <paramref name="host"/>'s namespace.</summary>
    public Task<Shell.Result> RunOnHostAsync(int host, params string[] command) =>
        Shell.RunAsync("nsenter", [$"--net={HostNamespacePath(host)}", "--", .. command]);

    /// <summary>Runs a command in any namespace given by path (a container's).</summary>
    public static Task<Shell.Result> RunInAsync(string namespacePath, params string[] command) =>
        Shell.RunAsync("nsenter", [$"--net={namespacePath}", "--", .. command]);

    /// <summary>Starts a long-running process in a namespace; it is killed on disposal.</summary>
    public Process StartIn(string namespacePath, params string[] command)
    {
        var start = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add($"--net={namespacePath}");
        start.ArgumentList.Add("--");
        foreach (var argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _processes.Add(process);
        return process;
    }

    /// <summary>Serves <paramref name="body"/> over HTTP on <paramref name="port"/> in the namespace with busybox httpd.</summary>
    public async Task<string> ServeHttpAsync(string namespacePath, int port, string body, string? bindAddress = null)
    {
        var root = Directory.CreateTempSubdirectory("fltnet-www-").FullName;
        _directories.Add(root);
        await File.WriteAllTextAsync(Path.Combine(root, "index.html"), body);
        StartIn(namespacePath, "busybox", "httpd", "-f", "-p", bindAddress is null ? $"{port}" : $"{bindAddress}:{port}", "-h", root);
        // httpd binds before it serves; wait until the socket is there.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var listening = await RunInAsync(namespacePath, "ss", "-H", "-l", "-n", "-t", $"sport = :{port}");
            if (listening.Output.Contains($":{port}", StringComparison.Ordinal))
            {
                return root;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"httpd did not start listening on port {port}");
    }

    /// <summary>Fetches a URL from a namespace with curl (busybox wget crashes on -T); null when the request fails.</summary>
    public static async Task<string?> FetchAsync(string namespacePath, string url)
    {
        var result = await RunInAsync(namespacePath, "curl", "--silent", "--fail", "--max-time", "3", url);
        return result.ExitCode == 0 ? result.Output : null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            await Shell.RunAsync("ip", "netns", "del", name);
        }

        foreach (var directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task AddNamespaceAsync(string name)
    {
        await Shell.RunCheckedAsync("ip", "netns", "add", name);
        _namespaces.Add(name);
    }
}

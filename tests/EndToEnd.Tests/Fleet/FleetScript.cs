using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Fleet;

/// <summary>
/// Runs <c>scripts/fleet.sh</c> as the README writes it, under a name, a directory and ports of this
/// test's own, so it never meets a developer's fleet or another test run.
/// </summary>
internal sealed class FleetScript
{
    // up publishes what artifacts/bin lacks (three projects on a fresh clone) before it starts anything.
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan DownTimeout = TimeSpan.FromMinutes(2);
    private readonly string _script;

    public FleetScript()
    {
        Name = $"t{Guid.NewGuid():N}"[..9];
        Directory = Path.Combine(Path.GetTempPath(), $"flotilla-fleet-{Name}");
        PortBase = FreePortBlock();
        GatewayPort = PortBase + 98; // past silo 9 (base+90..93)
        Repository = FindRepository();
        _script = Path.Combine(Repository, "scripts", "fleet.sh");
    }

    /// <summary>The fleet's <c>--name</c>: a <c>t</c> and eight hex digits.</summary>
    public string Name { get; }

    /// <summary>The fleet's <c>--dir</c>, under the temp directory.</summary>
    public string Directory { get; }

    public int PortBase { get; }

    public int GatewayPort { get; }

    public string Repository { get; }

    /// <summary>The options every command gets, so status and down find this fleet.</summary>
    public IReadOnlyList<string> Identity =>
    [
        "--name", Name, "--dir", Directory,
        "--port-base", PortBase.ToString(CultureInfo.InvariantCulture),
        "--gateway-port", GatewayPort.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary><c>scripts/fleet.sh up --hosts N --silos N …</c>; the fleet as it describes itself.</summary>
    public async Task<FleetDescription> UpAsync(int hosts, int silos)
    {
        var up = await RunAsync(["up", "--hosts", $"{hosts}", "--silos", $"{silos}", .. Identity], UpTimeout);
        return FleetDescription.Parse(up.EnsureSuccess().StandardOutput);
    }

    public Task<ProcessResult> StatusAsync() => RunAsync(["status", .. Identity], DownTimeout);

    public Task<ProcessResult> DownAsync() => RunAsync(["down", .. Identity], DownTimeout);

    public Task<ProcessResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout) =>
        ProcessRunner.RunAsync(_script, arguments, timeout: timeout);

    // Below Linux's ephemeral range (32768-60999), where the other test assemblies' port-0 listeners
    // and outgoing connections live; 100 ports in a row, all free now.
    private static int FreePortBlock()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // 12000-19999 or 30000-32699: clear of the agents' host-port range (20000-29999), where other tests'
            // containers publish ports, and of the kernel's ephemeral ports (32768 and up).
            var block = Random.Shared.Next(80 + 27);
            var start = (block < 80 ? 120 + block : 300 + block - 80) * 100;
            if (Enumerable.Range(start, 100).All(IsFree))
            {
                return start;
            }
        }

        throw new InvalidOperationException("no block of 100 free TCP ports in 12000-19999 or 30000-32699");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"cannot find Cluster.sln above {AppContext.BaseDirectory}");
    }
}

using Flotilla.TestSupport.Processes;

namespace Flotilla.TestSupport.Netns;

/// <summary>
/// One simulated host: a network namespace whose <c>eth0</c> (a veth on the group's bridge) has
/// <see cref="Address"/>/24, a loopback, and no default route.
/// </summary>
public sealed class NetnsHost
{
    private readonly List<BackgroundProcess> _processes = [];

    internal NetnsHost(string name, string @namespace, string address)
    {
        Name = name;
        Namespace = @namespace;
        Address = address;
    }

    /// <summary>A short name for messages and state directories: <c>host1</c>, <c>host2</c>, ….</summary>
    public string Name { get; }

    /// <summary>The network namespace, as <c>ip netns</c> names it (<c>/run/netns/&lt;Namespace&gt;</c>).</summary>
    public string Namespace { get; }

    /// <summary>The host's IPv4 address on the test subnet.</summary>
    public string Address { get; }

    /// <summary>The prefix that runs a command inside this host: <c>ip netns exec &lt;Namespace&gt;</c>.</summary>
    public IReadOnlyList<string> ExecPrefix => ["ip", "netns", "exec", Namespace];

    /// <summary>Runs a command inside the host and waits for it.</summary>
    public Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", Namespace, fileName, .. arguments], timeout: timeout, cancellationToken: cancellationToken);

    /// <summary>Runs a command inside the host and waits for it.</summary>
    public Task<ProcessResult> RunAsync(string fileName, params string[] arguments) => RunAsync(fileName, arguments, null, CancellationToken.None);

    /// <summary>
    /// Starts a long-running process (an agent, a server) inside the host. It is killed when the
    /// hosts are torn down, or earlier when the caller disposes it.
    /// </summary>
    public BackgroundProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = BackgroundProcess.Start("ip", ["netns", "exec", Namespace, fileName, .. arguments], environment);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Address} in netns {Namespace})";

    internal async Task StopProcessesAsync()
    {
        List<BackgroundProcess> processes;
        lock (_processes)
        {
            processes = [.. _processes];
            _processes.Clear();
        }

        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }
    }
}

using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// At agent start, before the API takes requests: sets up the bridge and rules and removes the networks
/// of containers whose directories are gone (a crash between removal steps, a wiped state directory),
/// keeping every container the agent still knows.
/// </summary>
internal sealed class NetworkReconcileService(IContainerNetworking networking, IOptions<AgentOptions> agent) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = agent.Value.ContainersDirectory;
        var live = Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory).Where(d => File.Exists(Path.Combine(d, "container.json"))).Select(Path.GetFileName).OfType<string>().ToList()
            : [];
        return networking.ReconcileAsync(live, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

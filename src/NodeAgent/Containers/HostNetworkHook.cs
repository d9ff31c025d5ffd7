using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// The host network: the container shares the host's network namespace and gets its own
/// /etc/hostname plus copies of the host's /etc/hosts and /etc/resolv.conf.
/// </summary>
public sealed class HostNetworkHook : ContainerHook
{
    public override async Task CreateAsync(ContainerContext context, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(context.Paths.Etc);
        await File.WriteAllTextAsync(Path.Combine(context.Paths.Etc, "hostname"), context.Record.Hostname + "\n", cancellationToken);
        var hosts = File.Exists("/etc/hosts") ? await File.ReadAllTextAsync("/etc/hosts", cancellationToken) : "127.0.0.1\tlocalhost\n";
        await File.WriteAllTextAsync(Path.Combine(context.Paths.Etc, "hosts"), hosts, cancellationToken);
        var resolv = File.Exists("/etc/resolv.conf") ? await File.ReadAllTextAsync("/etc/resolv.conf", cancellationToken) : "";
        await File.WriteAllTextAsync(Path.Combine(context.Paths.Etc, "resolv.conf"), resolv, cancellationToken);
    }

    public override Task BeforeStartAsync(ContainerContext context, OciBundleSpec bundle, CancellationToken cancellationToken)
    {
        bundle.HostNetwork = true;
        bundle.Hostname = context.Record.Hostname;
        foreach (var file in new[] { "hostname", "hosts", "resolv.conf" })
        {
            bundle.Mounts.Add(new OciMount($"/etc/{file}", "bind", Path.Combine(context.Paths.Etc, file), ["rbind", "rprivate"]));
        }

        return Task.CompletedTask;
    }
}

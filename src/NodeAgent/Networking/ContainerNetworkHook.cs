using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// The network step of a container's lifecycle: attach when it is created (namespace, address, ports,
/// /etc files), join that namespace on every start, detach when it is removed. The namespace outlives
/// stops and restarts, so a container keeps its address and host ports until it is removed.
/// </summary>
public sealed class ContainerNetworkHook(IContainerNetworking networking) : ContainerHook
{
    private static readonly string[] EtcFiles = ["hostname", "hosts", "resolv.conf"];

    public override async Task CreateAsync(ContainerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var attachment = await AttachAsync(context, cancellationToken);
        context.Record = context.Record with { NetworkNamespace = attachment.NetworkNamespacePath };
    }

    public override async Task BeforeStartAsync(ContainerContext context, OciBundleSpec bundle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(bundle);
        // Attaching again is a no-op for an attached container and heals one whose network state was lost.
        var attachment = networking.Find(context.Record.Id);
        if (attachment?.NetworkNamespacePath is { } path && !NamespaceOperations.IsMounted(path))
        {
            // The namespace is gone (a host reboot clears /run; a cleanup may unmount it): attach afresh.
            await networking.DetachAsync(context.Record.Id, cancellationToken);
            attachment = null;
        }

        attachment ??= await AttachAsync(context, cancellationToken);
        bundle.HostNetwork = attachment.NetworkNamespacePath is null;
        bundle.NetworkNamespacePath = attachment.NetworkNamespacePath;
        bundle.Hostname = context.Record.Hostname;
        foreach (var file in EtcFiles)
        {
            bundle.Mounts.Add(new OciMount($"/etc/{file}", "bind", Path.Combine(context.Paths.Etc, file), ["rbind", "rprivate"]));
        }
    }

    public override Task RemoveAsync(ContainerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return networking.DetachAsync(context.Record.Id, cancellationToken);
    }

    /// <summary>The request for a container record: its network mode and published ports.</summary>
    public static NetworkRequest RequestFor(ContainerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new NetworkRequest(record.Id, record.Name, record.Hostname, NetworkMode.Parse(record.Spec.NetworkMode), record.Spec.Ports);
    }

    private async Task<NetworkAttachment> AttachAsync(ContainerContext context, CancellationToken cancellationToken)
    {
        var attachment = await networking.AttachAsync(RequestFor(context.Record), cancellationToken);
        Directory.CreateDirectory(context.Paths.Etc);
        await File.WriteAllTextAsync(Path.Combine(context.Paths.Etc, "hostname"), attachment.HostnameFile, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(context.Paths.Etc, "hosts"), attachment.HostsFile, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(context.Paths.Etc, "resolv.conf"), attachment.ResolvConf, cancellationToken);
        return attachment;
    }
}

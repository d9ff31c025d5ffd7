using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>The network hook as the container engine calls it: create, start (bundle), remove.</summary>
[Trait("Category", "Integration")]
public sealed class ContainerNetworkHookTests : IAsyncLifetime
{
    private NetnsLab _lab = null!;
    private LabAgent _agent = null!;
    private string _containers = null!;

    public async Task InitializeAsync()
    {
        _lab = await NetnsLab.CreateAsync(1);
        _agent = LabAgent.Start(_lab, 0);
        _containers = Directory.CreateTempSubdirectory("fltnet-containers-").FullName;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _agent.DisposeAsync();
        }
        finally
        {
            await _lab.DisposeAsync();
            Directory.Delete(_containers, recursive: true);
        }
    }

    [Fact]
    public async Task BridgeContainer_GetsItsNamespaceInTheBundle_ItsEtcFiles_AndLosesThemOnRemoval()
    {
        var hook = new ContainerNetworkHook(_agent.Networking);
        var context = Context("0123456789abcdef0123456789abcdef", "web", "default");

        await hook.CreateAsync(context, CancellationToken.None);
        var bundle = new OciBundleSpec();
        await hook.BeforeStartAsync(context, bundle, CancellationToken.None);

        var attachment = _agent.Networking.Find(context.Record.Id)!;
        Assert.False(bundle.HostNetwork);
        Assert.Equal(attachment.NetworkNamespacePath, bundle.NetworkNamespacePath);
        Assert.Equal(attachment.NetworkNamespacePath, context.Record.NetworkNamespace);
        Assert.Equal("web-host", bundle.Hostname);
        Assert.Equal(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"], bundle.Mounts.Select(m => m.Destination));
        Assert.Contains($"{attachment.IpAddress}\tweb-host web\n", await File.ReadAllTextAsync(Path.Combine(context.Paths.Etc, "hosts")));
        Assert.Equal("web-host\n", await File.ReadAllTextAsync(Path.Combine(context.Paths.Etc, "hostname")));
        Assert.DoesNotContain("127.0.0.53", await File.ReadAllTextAsync(Path.Combine(context.Paths.Etc, "resolv.conf")), StringComparison.Ordinal);

        await hook.RemoveAsync(context, CancellationToken.None);

        Assert.Null(_agent.Networking.Find(context.Record.Id));
        Assert.False(File.Exists(attachment.NetworkNamespacePath));
    }

    [Fact]
    public async Task Start_AfterTheNamespaceWentAway_AttachesAfresh()
    {
        var hook = new ContainerNetworkHook(_agent.Networking);
        var context = Context("00112233445566778899aabbccddeeff", "rebooted", "default");
        await hook.CreateAsync(context, CancellationToken.None);
        var path = _agent.Networking.Find(context.Record.Id)!.NetworkNamespacePath!;

        // What a host reboot (or scripts/down.sh) does to the namespace the attachment still names.
        var unmounted = await Shell.RunAsync("umount", path);
        Assert.True(unmounted.ExitCode == 0, unmounted.Error);
        Assert.False(NamespaceOperations.IsMounted(path));

        var bundle = new OciBundleSpec();
        await hook.BeforeStartAsync(context, bundle, CancellationToken.None);

        var attachment = _agent.Networking.Find(context.Record.Id)!;
        Assert.Equal(path, bundle.NetworkNamespacePath);
        Assert.True(NamespaceOperations.IsMounted(path));
        var addresses = await Shell.RunAsync("nsenter", $"--net={path}", "ip", "-4", "-o", "addr", "show", "eth0");
        Assert.Contains(attachment.IpAddress!, addresses.Output, StringComparison.Ordinal);

        await hook.RemoveAsync(context, CancellationToken.None);
    }

    [Fact]
    public async Task HostContainer_SharesTheHostNetwork()
    {
        var hook = new ContainerNetworkHook(_agent.Networking);
        var context = Context("fedcba9876543210fedcba9876543210", "shared", "host");

        await hook.CreateAsync(context, CancellationToken.None);
        var bundle = new OciBundleSpec();
        await hook.BeforeStartAsync(context, bundle, CancellationToken.None);

        Assert.True(bundle.HostNetwork);
        Assert.Null(bundle.NetworkNamespacePath);
    }

    private ContainerContext Context(string id, string name, string networkMode)
    {
        var record = new ContainerRecord
        {
            Id = id,
            Name = name,
            Spec = new ContainerSpec { Image = "busybox", NetworkMode = networkMode },
            ImageId = "sha256:0",
            Args = ["true"],
            Env = [],
            WorkingDir = "/",
            User = "",
            Hostname = $"{name}-host",
            Created = DateTimeOffset.UnixEpoch,
        };
        return new ContainerContext(record, null, new ContainerPaths(Path.Combine(_containers, id)));
    }
}

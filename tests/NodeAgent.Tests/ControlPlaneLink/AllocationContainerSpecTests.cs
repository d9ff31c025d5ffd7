using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.ControlPlaneLink;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

[Trait("Category", "Unit")]
public sealed class AllocationContainerSpecTests
{
    [Fact]
    public void Allocation_BecomesANamedLabelledBridgeContainer_PublishingTheSchedulersHostPorts()
    {
        var allocation = Allocations.Web("web-3f2a", revision: 7, hostPort: 20042);
        allocation.Env["GREETING"] = "hi";
        allocation.Env["A"] = "1";
        allocation.Command.AddRange(["httpd", "-f", "-p", "8000"]);
        allocation.Volumes.Add(new VolumeMount { Name = "data", MountPath = "/data" });

        var spec = AllocationContainerSpec.From(allocation, processorCount: 8, TimeSpan.FromSeconds(10));

        Assert.Equal("web-3f2a", spec.Name);
        Assert.Equal("registry.test/httpd:1.0", spec.Image);
        Assert.Equal("bridge", spec.NetworkMode);
        Assert.Equal([new PortMapping(null, 20042, 8000, PortProtocol.Tcp)], spec.Ports);
        Assert.Equal(["httpd", "-f", "-p", "8000"], spec.Entrypoint);
        Assert.Equal(10, spec.StopTimeout);
        Assert.Null(spec.Command);
        Assert.Equal(["A=1", "GREETING=hi"], spec.Env);
        Assert.Equal(64L << 20, spec.Memory);
        Assert.Equal(250_000_000L, spec.NanoCpus);
        Assert.Equal(128, spec.PidsLimit);
        Assert.Equal(RestartPolicyKind.Always, spec.RestartPolicy.Kind);
        Assert.Equal("web", spec.Labels[AllocationLabels.Workload]);
        Assert.Equal("web-3f2a", spec.Labels[AllocationLabels.Allocation]);
        Assert.Equal("7", spec.Labels[AllocationLabels.Revision]);
        Assert.Equal([new MountSpec(MountKind.Volume, "web_data", "/data")], spec.Mounts);
        ContainerSpecValidator.Validate(spec);
    }

    [Fact]
    public void NoCommand_KeepsTheImagesEntrypointAndCmd()
    {
        var spec = AllocationContainerSpec.From(Allocations.Web("a1"), processorCount: 2, TimeSpan.FromSeconds(10));

        Assert.Null(spec.Entrypoint);
        Assert.Null(spec.Command);
    }

    [Fact]
    public void CpuAboveTheHost_IsCappedAtTheHostsCpus()
    {
        var allocation = Allocations.Web("a1");
        allocation.Resources.MilliCpu = 16_000;

        Assert.Equal(2_000_000_000L, AllocationContainerSpec.From(allocation, processorCount: 2, TimeSpan.FromSeconds(10)).NanoCpus);
    }

    [Theory]
    [InlineData("always", RestartPolicyKind.Always)]
    [InlineData("on-failure", RestartPolicyKind.OnFailure)]
    [InlineData("never", RestartPolicyKind.No)]
    public void RestartPolicies_MapToTheEngines(string policy, RestartPolicyKind expected) =>
        Assert.Equal(expected, AllocationContainerSpec.RestartPolicyOf(policy).Kind);

    [Fact]
    public void UdpPorts_ArePublishedAsUdp()
    {
        var allocation = Allocations.Web("a1");
        allocation.Ports.Add(new PortBinding { Name = "dns", ContainerPort = 53, HostPort = 20053, Protocol = "udp" });

        Assert.Equal(PortProtocol.Udp, AllocationContainerSpec.From(allocation, 2, TimeSpan.FromSeconds(10)).Ports[1].Protocol);
    }
}

using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Grains;
using Flotilla.ControlPlane.Hosting;
using Flotilla.ControlPlane.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Flotilla.ControlPlane.Tests.Grains;

/// <summary>Node and workload grains in an Orleans TestCluster (two silos), state in real files.</summary>
[Trait("Category", "Integration")]
public sealed class NodeGrainTests : IAsyncLifetime
{
    private static readonly string StateDirectory = Directory.CreateTempSubdirectory("flotilla-grains-test-").FullName;
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        if (Directory.Exists(StateDirectory))
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }

    private static AllocationRecord Allocation(string id, long milliCpu) => new()
    {
        AllocationId = id,
        Workload = "w",
        Revision = 1,
        SpecJson = "{\"name\":\"w\",\"image\":\"localhost:5000/w:1\"}",
        Resources = new ResourceRequest(milliCpu, 1L << 20, 1),
        Ports = [new PortClaim("http", 80, "tcp", null)],
    };

    [Fact]
    public async Task TryAllocate_ManyConcurrentCalls_NeverOverCommit_AndHostPortsStayUnique()
    {
        var node = _cluster.GrainFactory.GetGrain<INodeGrain>("grain-node");
        await node.Register(new NodeRegistration { Address = "10.9.0.1", Capacity = new ResourceRequest(1000, 1L << 30, 1000) }, "hash");
        await node.Heartbeat(0);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => node.TryAllocate(Allocation($"a{i}", 100))));

        Assert.Equal(10, results.Count(r => r.Accepted));
        Assert.All(results.Where(r => !r.Accepted), r => Assert.Equal("node grain-node no longer has 0.1 cpu free", r.Reason));
        var desired = await node.GetDesired();
        Assert.Equal(10, desired.Allocations.Count);
        Assert.Equal(10, desired.Allocations.Select(a => a.HostPorts["http"]).Distinct().Count());
        Assert.Equal(10, desired.Version);
    }

    [Fact]
    public async Task TryAllocate_SameAllocationTwice_IsIdempotent()
    {
        var node = _cluster.GrainFactory.GetGrain<INodeGrain>("idempotent-node");
        await node.Register(new NodeRegistration { Address = "10.9.0.2", Capacity = new ResourceRequest(1000, 1L << 30, 1000) }, "hash");
        await node.Heartbeat(0);

        var first = await node.TryAllocate(Allocation("same", 100));
        var second = await node.TryAllocate(Allocation("same", 100));

        Assert.True(first.Accepted && second.Accepted);
        Assert.Equal(first.HostPorts["http"], second.HostPorts["http"]);
        Assert.Equal(1, (await node.GetDesired()).Version);
    }

    [Fact]
    public async Task TryAllocate_OnANodeThatStoppedHeartbeating_IsRefused()
    {
        var node = _cluster.GrainFactory.GetGrain<INodeGrain>("never-heartbeat");

        var result = await node.TryAllocate(Allocation("x", 100));

        Assert.False(result.Accepted);
        Assert.Contains("is ready", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workload_ScaledConcurrentlyWithAStaleVersion_KeepsOneWinner()
    {
        var workload = _cluster.GrainFactory.GetGrain<IWorkloadGrain>("w");
        var created = await workload.Create("{\"name\":\"w\",\"image\":\"localhost:5000/w:1\",\"replicas\":1}");

        var results = await Task.WhenAll(Enumerable.Range(2, 8).Select(n => workload.Scale(n, created.View!.Version)));

        Assert.Single(results, r => r.Outcome == WorkloadOutcome.Updated);
        Assert.Equal(7, results.Count(r => r.Outcome == WorkloadOutcome.VersionMismatch));
        var view = await workload.Get();
        Assert.Equal(2, view!.Version);
        Assert.Equal(results.Single(r => r.Outcome == WorkloadOutcome.Updated).View!.DesiredReplicas, view.DesiredReplicas);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddFileGrainStorage(StorageNames.Default, StateDirectory);
            siloBuilder.Services.AddSingleton(TimeProvider.System);
            siloBuilder.Services.AddOptions<ControlPlaneOptions>();
        }
    }
}

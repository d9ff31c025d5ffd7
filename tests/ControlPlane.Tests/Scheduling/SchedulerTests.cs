using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Scheduling;
using PlacementStrategy = Flotilla.ControlPlane.Scheduling.PlacementStrategy;

namespace Flotilla.ControlPlane.Tests.Scheduling;

[Trait("Category", "Unit")]
public sealed class SchedulerTests
{
    private static readonly ResourceRequest Small = new(250, 64L << 20, 100);

    private static NodeCandidate Node(string id, long milliCpu = 4000, long memory = 8L << 30, bool ready = true,
        Dictionary<string, string>? labels = null, ResourceRequest allocated = default, Dictionary<string, int>? replicas = null,
        HashSet<int>? usedPorts = null, int freePorts = 1000) => new()
        {
            NodeId = id,
            Ready = ready,
            Capacity = new ResourceRequest(milliCpu, memory, 10_000),
            Allocated = allocated,
            Labels = labels ?? [],
            ReplicasByWorkload = replicas ?? [],
            UsedHostPorts = usedPorts ?? [],
            FreeDynamicPorts = freePorts,
        };

    private static PlacementRequest Request(ResourceRequest? resources = null, PlacementStrategy strategy = PlacementStrategy.Spread,
        string? spreadBy = null, bool distinct = false, IReadOnlyList<int>? fixedPorts = null, params string[] constraints) => new()
        {
            Workload = "web",
            Resources = resources ?? Small,
            Strategy = strategy,
            SpreadBy = spreadBy,
            DistinctHosts = distinct,
            FixedHostPorts = fixedPorts ?? [],
            Constraints = [.. constraints.Select(c => PlacementConstraint.TryParse(c, out var p) ? p : throw new ArgumentException(c))],
        };

    [Fact]
    public void Rank_NoNodeHasTheMemory_SaysSoAndCountsTheNodes()
    {
        var nodes = new[] { Node("a", memory: 2L << 30), Node("b", memory: 3L << 30), Node("c", memory: 1L << 30) };

        var plan = Scheduler.Rank(Request(new ResourceRequest(100, 4L << 30, 1)), nodes);

        Assert.False(plan.IsFeasible);
        Assert.Equal("no node has 4Gi memory free: 3 nodes checked", plan.Reason);
    }

    [Fact]
    public void Rank_MixedRejections_NamesEachRule()
    {
        var nodes = new[] { Node("a", ready: false), Node("b", milliCpu: 100) };

        var plan = Scheduler.Rank(Request(), nodes);

        Assert.False(plan.IsFeasible);
        Assert.Contains("2 nodes checked", plan.Reason, StringComparison.Ordinal);
        Assert.Contains("1 not: is ready", plan.Reason, StringComparison.Ordinal);
        Assert.Contains("1 not: has 0.25 cpu free", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Rank_NoNodes_SaysNoneIsRegistered()
    {
        Assert.Equal("no node is registered", Scheduler.Rank(Request(), []).Reason);
    }

    [Fact]
    public void Rank_SkipsNodesWithoutEnoughFreeCpuPidsOrPorts()
    {
        var nodes = new[]
        {
            Node("full-cpu", allocated: new ResourceRequest(3900, 0, 0)),
            Node("port-taken", usedPorts: [8080]),
            Node("no-ports", freePorts: 0),
            Node("fits"),
        };

        var plan = Scheduler.Rank(Request(fixedPorts: [8080]) with { DynamicPorts = 1 }, nodes);

        Assert.Equal(["fits"], plan.RankedNodeIds);
    }

    [Fact]
    public void Rank_Constraints_KeepOnlyMatchingNodes()
    {
        var nodes = new[]
        {
            Node("a", labels: new() { ["zone"] = "a", ["disk"] = "ssd" }),
            Node("b", labels: new() { ["zone"] = "b", ["disk"] = "ssd" }),
            Node("c", labels: new() { ["zone"] = "a" }),
        };

        Assert.Equal(["a"], Scheduler.Rank(Request(constraints: ["zone == a", "disk"]), nodes).RankedNodeIds);
        Assert.Equal(["b"], Scheduler.Rank(Request(constraints: ["zone != a"]), nodes).RankedNodeIds);
        Assert.Equal(["c"], Scheduler.Rank(Request(constraints: ["!disk"]), nodes).RankedNodeIds);
        Assert.Equal(
            "no node matches 'zone == z': 3 nodes checked",
            Scheduler.Rank(Request(constraints: ["zone == z"]), nodes).Reason);
    }

    [Fact]
    public void Rank_Spread_PrefersTheNodeWithFewerReplicasOfTheWorkload()
    {
        var nodes = new[] { Node("a", replicas: new() { ["web"] = 2 }), Node("b", replicas: new() { ["web"] = 1 }) };

        Assert.Equal("b", Scheduler.Rank(Request(), nodes).RankedNodeIds[0]);
    }

    [Fact]
    public void Rank_BinPack_PrefersTheFullestNodeThatFits()
    {
        var nodes = new[] { Node("empty"), Node("half", allocated: new ResourceRequest(2000, 4L << 30, 0)) };

        Assert.Equal("half", Scheduler.Rank(Request(strategy: PlacementStrategy.BinPack), nodes).RankedNodeIds[0]);
        Assert.Equal("empty", Scheduler.Rank(Request(strategy: PlacementStrategy.Spread), nodes).RankedNodeIds[0]);
    }

    [Fact]
    public void Rank_SpreadByZone_BalancesZonesBeforeNodes()
    {
        // Zone a already holds two replicas, zone b one: spread by zone picks b1 although a2 is empty;
        // spread by node alone picks a2.
        var nodes = new[]
        {
            Node("a1", labels: new() { ["zone"] = "a" }, replicas: new() { ["web"] = 2 }),
            Node("a2", labels: new() { ["zone"] = "a" }),
            Node("b1", labels: new() { ["zone"] = "b" }, replicas: new() { ["web"] = 1 }),
        };

        Assert.Equal("b1", Scheduler.Rank(Request(spreadBy: "zone"), nodes).RankedNodeIds[0]);
        Assert.Equal("a2", Scheduler.Rank(Request(), nodes).RankedNodeIds[0]);
    }

    [Fact]
    public void Rank_DistinctHosts_NeverPicksANodeAlreadyRunningTheWorkload()
    {
        var nodes = new[] { Node("a", replicas: new() { ["web"] = 1 }), Node("b", replicas: new() { ["web"] = 1 }) };

        var plan = Scheduler.Rank(Request(distinct: true), nodes);

        Assert.False(plan.IsFeasible);
        Assert.Equal("no node is free of other replicas of web (distinctHosts): 2 nodes checked", plan.Reason);
    }

    [Fact]
    public void WithPlaced_AddsTheRequestSoTheNextDecisionSeesIt()
    {
        var node = Node("a", milliCpu: 500);
        var request = Request();

        var after = node.WithPlaced(request).WithPlaced(request);

        Assert.Equal(500, after.Allocated.MilliCpu);
        Assert.Equal(2, after.ReplicasOf("web"));
        Assert.False(Scheduler.Rank(request, [after]).IsFeasible);
    }

    [Fact]
    public void PlacementRequest_FromSpec_CarriesResourcesPortsAndPlacement()
    {
        var spec = WorkloadSpecParser.Parse("""
            name: web
            image: localhost:5000/web:1
            resources: { cpu: 0.5, memory: 1Gi, pids: 64 }
            ports: [ { name: http, container: 80 }, { name: admin, container: 81, host: 9000 } ]
            placement: { strategy: binpack, constraints: ["zone == a"], spreadBy: rack, distinctHosts: true }
            """).Spec!;

        var request = PlacementRequest.From(spec);

        Assert.Equal(new ResourceRequest(500, 1L << 30, 64), request.Resources);
        Assert.Equal([9000], request.FixedHostPorts);
        Assert.Equal(1, request.DynamicPorts);
        Assert.Equal(PlacementStrategy.BinPack, request.Strategy);
        Assert.Equal("rack", request.SpreadBy);
        Assert.True(request.DistinctHosts);
        Assert.Equal("zone == a", request.Constraints.Single().ToString());
    }
}

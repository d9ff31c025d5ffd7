using System.Globalization;
using Flotilla.Contracts.Specs;

namespace Flotilla.ControlPlane.Scheduling;

/// <summary>The feasibility rules, in the order a rejection is attributed to them.</summary>
public static class PlacementFilters
{
    public static IReadOnlyList<IPlacementFilter> All { get; } =
    [
        new ReadyFilter(),
        new ConstraintFilter(),
        new DistinctHostsFilter(),
        new CpuFilter(),
        new MemoryFilter(),
        new PidsFilter(),
        new HostPortFilter(),
    ];

    private sealed class ReadyFilter : IPlacementFilter
    {
        public bool Admits(PlacementRequest request, NodeCandidate node) => node.Ready;

        public string Requirement(PlacementRequest request) => "is ready (registered and heartbeating)";
    }

    private sealed class ConstraintFilter : IPlacementFilter
    {
        public bool Admits(PlacementRequest request, NodeCandidate node) =>
            request.Constraints.All(c => c.Matches(node.Labels));

        public string Requirement(PlacementRequest request) =>
            $"matches {string.Join(" and ", request.Constraints.Select(c => $"'{c}'"))}";
    }

    private sealed class DistinctHostsFilter : IPlacementFilter
    {
        public bool Admits(PlacementRequest request, NodeCandidate node) =>
            !request.DistinctHosts || node.ReplicasOf(request.Workload) == 0;

        public string Requirement(PlacementRequest request) =>
            $"is free of other replicas of {request.Workload} (distinctHosts)";
    }

    private sealed class CpuFilter : IPlacementFilter
    {
        public bool Admits(PlacementRequest request, NodeCandidate node) => node.Free.MilliCpu >= request.Resources.MilliCpu;

        public string Requirement(PlacementRequest request) =>
            string.Create(CultureInfo.InvariantCulture, $"has {request.Resources.MilliCpu / 1000.0:0.###} cpu free");
    }

    private sealed class MemoryFilter : IPlacementFilter
    {
        public bool Admits(PlacementRequest request, NodeCandidate node) => node.Free.MemoryBytes >= request.Resources.MemoryBytes;

        public string Requirement(PlacementRequest request) =>
            $"has {Quantity.FormatMemory(request.Resources.MemoryBytes)} memory free";
    }

    private sealed class PidsFilter : IPlacementFilter
    {
        public bool Admits(PlacementRequest request, NodeCandidate node) => node.Free.Pids >= request.Resources.Pids;

        public string Requirement(PlacementRequest request) => $"has {request.Resources.Pids} pids free";
    }

    private sealed class HostPortFilter : IPlacementFilter
    {
        public bool Admits(PlacementRequest request, NodeCandidate node) =>
            !request.FixedHostPorts.Any(node.UsedHostPorts.Contains) && node.FreeDynamicPorts >= request.DynamicPorts;

        public string Requirement(PlacementRequest request) => request.FixedHostPorts.Count > 0
            ? $"has host port {string.Join(", ", request.FixedHostPorts)} free"
            : $"has {request.DynamicPorts} host ports free";
    }
}

namespace Flotilla.ControlPlane.Scheduling;

/// <summary>
/// Pure placement: filters a snapshot of nodes down to those a replica fits on, then ranks them.
/// It decides nothing final; a node grain commits or refuses the placement.
/// </summary>
public static class Scheduler
{
    public static PlacementPlan Rank(PlacementRequest request, IReadOnlyCollection<NodeCandidate> nodes)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0)
        {
            return new PlacementPlan([], "no node is registered");
        }

        var feasible = new List<NodeCandidate>();
        var rejections = new Dictionary<IPlacementFilter, int>();
        foreach (var node in nodes)
        {
            var failed = PlacementFilters.All.FirstOrDefault(f => !f.Admits(request, node));
            if (failed is null)
            {
                feasible.Add(node);
            }
            else
            {
                rejections[failed] = rejections.GetValueOrDefault(failed) + 1;
            }
        }

        if (feasible.Count == 0)
        {
            return new PlacementPlan([], Explain(request, nodes.Count, rejections));
        }

        var spreadCounts = SpreadCounts(request, nodes);
        var ranked = feasible
            .OrderBy(n => spreadCounts is null ? 0 : spreadCounts.GetValueOrDefault(LabelOf(request, n)))
            .ThenBy(n => request.Strategy == PlacementStrategy.Spread ? n.ReplicasOf(request.Workload) : 0)
            .ThenBy(n => request.Strategy == PlacementStrategy.Spread
                ? n.Utilization(request.Resources)
                : -n.Utilization(request.Resources))
            .ThenBy(n => n.ReplicasOf(request.Workload))
            .ThenBy(n => n.NodeId, StringComparer.Ordinal)
            .Select(n => n.NodeId)
            .ToList();
        return new PlacementPlan(ranked, null);
    }

    private static string Explain(PlacementRequest request, int checkedNodes, Dictionary<IPlacementFilter, int> rejections)
    {
        var nodes = checkedNodes == 1 ? "1 node checked" : $"{checkedNodes} nodes checked";
        if (rejections.Count == 1)
        {
            return $"no node {rejections.Keys.Single().Requirement(request)}: {nodes}";
        }

        var parts = PlacementFilters.All
            .Where(rejections.ContainsKey)
            .Select(f => $"{rejections[f]} not: {f.Requirement(request)}");
        return $"no node fits: {nodes} ({string.Join("; ", parts)})";
    }

    /// <summary>Replicas of the workload per value of the spreadBy label, over every node (feasible or not).</summary>
    private static Dictionary<string, int>? SpreadCounts(PlacementRequest request, IReadOnlyCollection<NodeCandidate> nodes)
    {
        if (request.SpreadBy is null)
        {
            return null;
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var label = LabelOf(request, node);
            counts[label] = counts.GetValueOrDefault(label) + node.ReplicasOf(request.Workload);
        }

        return counts;
    }

    private static string LabelOf(PlacementRequest request, NodeCandidate node) =>
        node.Labels.GetValueOrDefault(request.SpreadBy!) ?? string.Empty;
}

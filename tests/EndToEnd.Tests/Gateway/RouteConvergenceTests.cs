using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Flotilla.TestSupport;

namespace Flotilla.EndToEnd.Tests.Gateway;

/// <summary>
/// Route convergence with real processes: over scale-up and scale-down steps, the time from a replica
/// becoming Running and Healthy (or gone) in the control plane's API to the gateway routing to it (or
/// not), both sides polled together every few milliseconds. The test asserts that every change reaches
/// the gateway; <c>bench/route-convergence.sh</c> runs it with more steps and prints the percentiles
/// (set <c>FLOTILLA_ROUTE_CONVERGENCE_RESULTS</c> to a file and <c>FLOTILLA_ROUTE_CONVERGENCE_CYCLES</c>).
/// </summary>
[Trait(TestCategories.Name, TestCategories.EndToEnd)]
public sealed class RouteConvergenceTests
{
    private static readonly TimeSpan ChangeTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EveryScaleStep_ReachesTheGateway()
    {
        var cycles = int.TryParse(Environment.GetEnvironmentVariable("FLOTILLA_ROUTE_CONVERGENCE_CYCLES"), CultureInfo.InvariantCulture, out var c) ? c : 2;
        await using var cluster = await GatewayCluster.StartAsync("10.251");
        var web = $"conv-{cluster.Suffix}";
        await cluster.Api.DeployAsync(cluster.Spec(web, 1));
        var first = await cluster.HealthyAsync(web, 1);
        await cluster.WaitForDestinationsAsync(web, first);

        var added = new List<double>();
        var removed = new List<double>();
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var up = await ObserveAsync(cluster, web, 3);
            added.AddRange(up.Added);
            Assert.Equal(2, up.Added.Count);

            var down = await ObserveAsync(cluster, web, 1);
            removed.AddRange(down.Removed);
            Assert.Equal(2, down.Removed.Count);
        }

        var all = added.Concat(removed).ToList();
        Assert.Equal(4 * cycles, all.Count);
        if (Environment.GetEnvironmentVariable("FLOTILLA_ROUTE_CONVERGENCE_RESULTS") is { Length: > 0 } path)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"RESULT route_convergence_samples={all.Count}");
            text.AppendLine(CultureInfo.InvariantCulture, $"RESULT route_convergence_p50_ms={Percentile(all, 0.50):F0}");
            text.AppendLine(CultureInfo.InvariantCulture, $"RESULT route_convergence_p99_ms={Percentile(all, 0.99):F0}");
            text.AppendLine(CultureInfo.InvariantCulture, $"RESULT route_convergence_add_p50_ms={Percentile(added, 0.50):F0}");
            text.AppendLine(CultureInfo.InvariantCulture, $"RESULT route_convergence_remove_p50_ms={Percentile(removed, 0.50):F0}");
            text.AppendLine(CultureInfo.InvariantCulture, $"RESULT route_convergence_max_ms={all.Max():F0}");
            await File.WriteAllTextAsync(path, text.ToString());
        }
    }

    /// <summary>
    /// Scales the workload to <paramref name="count"/>, then polls the control plane and the gateway side by side until the gateway serves exactly the replicas
    /// the control plane shows Running and Healthy, <paramref name="count"/> of them. For each replica that
    /// appeared (or disappeared) in the control plane, the delay until the gateway followed.
    /// </summary>
    private static async Task<(List<double> Added, List<double> Removed)> ObserveAsync(GatewayCluster cluster, string workload, int count)
    {
        var initial = (await cluster.Gateway.AvailableDestinationsAsync(workload)).ToHashSet(StringComparer.Ordinal);
        await cluster.Api.ScaleAsync(workload, count);
        var clock = Stopwatch.StartNew();
        var healthySince = new Dictionary<string, double>(StringComparer.Ordinal);
        var goneSince = new Dictionary<string, double>(StringComparer.Ordinal);
        var routedSince = new Dictionary<string, double>(StringComparer.Ordinal);
        var droppedSince = new Dictionary<string, double>(StringComparer.Ordinal);
        while (true)
        {
            // The control plane first, then the gateway: a change is never credited to the gateway before it was seen upstream.
            var workloadView = await cluster.Api.GetWorkloadAsync(workload);
            var atControlPlane = clock.Elapsed.TotalMilliseconds;
            var healthy = workloadView is { } w ? GatewayCluster.HealthyIds(w) : [];
            var routed = await cluster.Gateway.AvailableDestinationsAsync(workload);
            var atGateway = clock.Elapsed.TotalMilliseconds;

            foreach (var id in healthy.Where(id => !initial.Contains(id)))
            {
                healthySince.TryAdd(id, atControlPlane);
            }

            foreach (var id in initial.Where(id => !healthy.Contains(id)))
            {
                goneSince.TryAdd(id, atControlPlane);
            }

            foreach (var id in routed.Where(id => !initial.Contains(id)))
            {
                routedSince.TryAdd(id, atGateway);
            }

            foreach (var id in initial.Where(id => !routed.Contains(id)))
            {
                droppedSince.TryAdd(id, atGateway);
            }

            if (healthy.Count == count && routed.SetEquals(healthy))
            {
                // A replica seen at the gateway in the same round as upstream converged within one poll: count the poll.
                return (
                    [.. healthySince.Select(h => Math.Max(0, routedSince[h.Key] - h.Value))],
                    [.. goneSince.Select(g => Math.Max(0, droppedSince[g.Key] - g.Value))]);
            }

            if (clock.Elapsed > ChangeTimeout)
            {
                throw new TimeoutException(
                    $"the gateway did not converge on {count} replicas of {workload}: control plane [{string.Join(", ", healthy)}], gateway [{string.Join(", ", routed)}]\n{cluster.Logs()}");
            }

            await Task.Delay(10);
        }
    }

    private static double Percentile(List<double> samples, double quantile)
    {
        var sorted = samples.Order().ToList();
        var rank = (int)Math.Ceiling(quantile * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}

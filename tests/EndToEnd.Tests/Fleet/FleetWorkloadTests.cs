using System.Net.Http.Headers;
using System.Text.Json;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Fleet;

/// <summary>
/// The fleet doing its whole job: agents in netns hosts join the control plane, <c>fleet.sh demo</c>
/// deploys from the fleet's registry, and the gateway spreads requests over the replicas on both hosts.
/// </summary>
[Trait(TestCategories.Name, TestCategories.EndToEnd)]
public sealed class FleetWorkloadTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TheDemo_DeployedByFleetDemo_AnswersThroughTheGatewayFromReplicasOnBothHosts()
    {
        var fleet = new FleetScript();
        FleetDescription description;
        ProcessResult down;
        try
        {
            description = await fleet.UpAsync(hosts: 2, silos: 2);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(description.ApiTokenFile)).Trim());
            var silo2 = description.SiloRestAddresses[^1];

            var nodes = await EventuallyAsync(
                async () => ReadyNodes(await http.GetStringAsync(new Uri(silo2, "/v1/nodes"))),
                ready => ready.Count == description.Hosts.Count);
            Assert.Equal(description.Hosts.Select(h => h.NodeId).Order(), nodes.Order());

            // As the README deploys it: the demo image pushed to the fleet's registry, posted to silo-1.
            var demo = await fleet.RunAsync(["demo", .. fleet.Identity], TimeSpan.FromMinutes(3));
            Assert.Contains("hello from ", demo.EnsureSuccess().StandardOutput, StringComparison.Ordinal);

            // Each replica writes its own container's host name: three names seen means three replicas served.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await EventuallyAsync(
                async () =>
                {
                    using var response = await http.GetAsync(new Uri(description.GatewayProxy, "/hello"));
                    var body = (await response.Content.ReadAsStringAsync()).Trim();
                    if (response.IsSuccessStatusCode)
                    {
                        Assert.StartsWith("hello from ", body, StringComparison.Ordinal);
                        seen.Add(body);
                    }

                    return seen.Count;
                },
                count => count == 3);

            var workload = await http.GetStringAsync(new Uri(silo2, "/v1/workloads/hello"));
            using var document = JsonDocument.Parse(workload);
            var placed = document.RootElement.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("nodeId").GetString()).Distinct().Count();
            Assert.Equal(2, placed);
        }
        finally
        {
            down = await fleet.DownAsync();
        }

        down.EnsureSuccess();
        Assert.Empty(await FleetLeftovers.FindAsync(fleet, description));
    }

    private static List<string> ReadyNodes(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray()
            .Where(n => n.GetProperty("state").GetString() == "Ready")
            .Select(n => n.GetProperty("id").GetString()!)
            .ToList();
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                var shown = value is IEnumerable<string> items ? string.Join(", ", items) : value?.ToString();
                throw new TimeoutException($"still [{shown}] after {Patience}");
            }

            await Task.Delay(500);
        }
    }
}

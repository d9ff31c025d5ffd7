using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flotilla.ControlPlane.Tests.Hosting;
using Flotilla.TestSupport.Agents;

namespace Flotilla.ControlPlane.Tests.Scheduling;

/// <summary>Many deployments at once against nodes with room for only some of them: none is over-committed.</summary>
[Trait("Category", "Integration")]
public sealed class ConcurrentPlacementTests : IAsyncLifetime
{
    private readonly string _data = TestControlPlane.NewDataDirectory();
    private TestControlPlane _cp = null!;

    public async Task InitializeAsync() => _cp = await TestControlPlane.StartAsync(_data);

    public async Task DisposeAsync()
    {
        await _cp.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task ConcurrentDeployments_NeverOverCommitANode()
    {
        // Three nodes with 1 cpu each; 24 workloads of 0.2 cpu: exactly 15 fit.
        var agents = new List<SimulatedAgent>();
        try
        {
            foreach (var id in new[] { "n1", "n2", "n3" })
            {
                agents.Add(await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, id, milliCpu: 1000, memoryBytes: 64L << 30));
            }

            var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => _cp.Rest.PostAsync("/v1/workloads", new StringContent(
                $"name: w{i}\nimage: localhost:5000/w:1\nreplicas: 1\nresources: {{ cpu: 0.2, memory: 16Mi }}\n", Encoding.UTF8, "application/yaml"))));
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

            var nodes = await _cp.Rest.GetFromJsonAsync<JsonElement[]>("/v1/nodes");
            Assert.All(nodes!, n => Assert.True(
                n.GetProperty("allocated").GetProperty("milliCpu").GetInt64() <= n.GetProperty("capacity").GetProperty("milliCpu").GetInt64(),
                $"node {n.GetProperty("id")} is over-committed: {n}"));
            Assert.Equal(15, nodes!.Sum(n => n.GetProperty("allocations").GetInt32()));

            var workloads = await _cp.Rest.GetFromJsonAsync<JsonElement[]>("/v1/workloads");
            var pending = workloads!.SelectMany(w => w.GetProperty("replicas").EnumerateArray()).Where(r => r.GetProperty("state").GetString() == "Pending").ToList();
            Assert.Equal(9, pending.Count);
            Assert.All(pending, r => Assert.Equal("no node has 0.2 cpu free: 3 nodes checked", r.GetProperty("reason").GetString()));
            var allocated = agents.Sum(a => a.Current.Allocations.Count);
            Assert.True(allocated <= 15);
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }
}

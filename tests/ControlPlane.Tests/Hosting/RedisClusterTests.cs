using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flotilla.TestSupport.Agents;
using Flotilla.TestSupport.Redis;

namespace Flotilla.ControlPlane.Tests.Hosting;

/// <summary>Cluster mode: two silos share membership and state through a real Redis (Testcontainers).</summary>
[Trait("Category", "Integration")]
public sealed class RedisClusterTests : IDisposable
{
    private readonly string _data1 = TestControlPlane.NewDataDirectory();
    private readonly string _data2 = TestControlPlane.NewDataDirectory();
    private readonly string _cluster = $"test-{Guid.NewGuid():N}"[..16];

    [Fact]
    public async Task TwoSilos_ServeTheSameCluster_AndARestartOfBothLosesNothing()
    {
        await using var redis = await RedisFixture.StartAsync();
        string before;
        await using (var silo1 = await TestControlPlane.StartAsync(_data1, redis.ConnectionString, _cluster))
        await using (var silo2 = await TestControlPlane.StartAsync(_data2, redis.ConnectionString, _cluster))
        {
            await using var agent = await SimulatedAgent.StartAsync(silo1.Grpc, TestControlPlane.JoinToken, "redis-node", "10.3.0.1");
            var created = await silo1.Rest.PostAsync("/v1/workloads", new StringContent(
                "name: web\nimage: localhost:5000/web:1\nreplicas: 2\nports: [ { name: http, container: 80 } ]\n", Encoding.UTF8, "application/yaml"));
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

            // The other silo answers for the same workload and node, and takes writes.
            var scaled = await silo2.Rest.PostAsJsonAsync("/v1/workloads/web/scale", new { replicas = 3 });
            Assert.True(scaled.IsSuccessStatusCode, await scaled.Content.ReadAsStringAsync());
            await agent.WaitForAsync(s => s.Allocations.Count == 3);
            var nodes = await silo2.Rest.GetFromJsonAsync<JsonElement[]>("/v1/nodes");
            Assert.Equal("redis-node", Assert.Single(nodes!).GetProperty("id").GetString());
            before = await WaitForRunningAsync(silo2, 3);
            Assert.Equal(before, Summary(await silo1.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web")));
        }

        await using var again = await TestControlPlane.StartAsync(_data1, redis.ConnectionString, _cluster);
        Assert.Equal(before, Summary(await again.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web")));
        var after = await again.Rest.GetFromJsonAsync<JsonElement[]>("/v1/nodes");
        Assert.Equal(3, Assert.Single(after!).GetProperty("allocations").GetInt32());
    }

    private static async Task<string> WaitForRunningAsync(TestControlPlane cp, int running)
    {
        for (var i = 0; i < 300; i++)
        {
            var workload = await cp.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web");
            if (workload.GetProperty("runningReplicas").GetInt32() == running)
            {
                return Summary(workload);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("replicas never all ran");
    }

    private static string Summary(JsonElement workload) =>
        $"v{workload.GetProperty("version")} running={workload.GetProperty("runningReplicas")} " +
        string.Join(",", workload.GetProperty("replicas").EnumerateArray()
            .Select(r => $"{r.GetProperty("id")}@{r.GetProperty("nodeId")}={r.GetProperty("address")}")
            .Order(StringComparer.Ordinal));

    public void Dispose()
    {
        Directory.Delete(_data1, recursive: true);
        Directory.Delete(_data2, recursive: true);
    }
}

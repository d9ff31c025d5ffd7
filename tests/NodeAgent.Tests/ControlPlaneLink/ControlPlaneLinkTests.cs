using System.Security.Cryptography;
using System.Text.Json;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Netns;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

/// <summary>
/// The link between a real control plane and a real agent: workloads deployed through REST run as
/// containers answering on the scheduler's host ports, follow scale and delete, survive the control
/// plane going away and the agent restarting.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ControlPlaneLinkTests(LinkLab lab) : IClassFixture<LinkLab>, IAsyncLifetime
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };
    private readonly string _workload = "web-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private NetnsHosts? _hosts;
    private LinkedAgent? _agent;

    private LinkedControlPlane ControlPlane => lab.ControlPlane;

    private LinkedAgent Agent => _agent!;

    public async Task InitializeAsync()
    {
        _hosts = await NetnsHosts.CreateAsync(1);
        await ControlPlane.EnsureRunningAsync();
        _agent = await LinkedAgent.StartAsync(_hosts[0], ControlPlane);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_agent is not null)
            {
                await _agent.DisposeAsync();
            }
        }
        finally
        {
            if (_hosts is not null)
            {
                await _hosts.DisposeAsync();
            }
        }
    }

    private string Spec(int replicas, string healthPath = "/") => $$"""
        name: {{_workload}}
        image: {{lab.HttpdImage}}
        replicas: {{replicas}}
        resources: { cpu: 0.1, memory: 32Mi, pids: 64 }
        ports: [ { name: http, container: {{TestImages.HttpdPort}} } ]
        health: { http: { path: {{healthPath}}, port: http }, interval: 1s, timeout: 1s, retries: 2 }
        placement: { constraints: ["testnode == {{Agent.NodeId}}"] }
        """;

    [Fact]
    public async Task DeployScaleDelete_ConvergeTheHost_AndContainersTheLinkDoesNotOwnAreLeftAlone()
    {
        var bystander = await StartBystanderAsync();

        await ControlPlane.DeployAsync(Spec(replicas: 3));
        var running = await WaitForRunningAsync(3);
        foreach (var replica in running)
        {
            Assert.Equal(Agent.Host.Address, replica.Address);
            Assert.Equal(TestImages.HttpdIndexHtml, await GetAsync(replica.Address, replica.HostPort));
        }

        var containers = Agent.Allocations();
        Assert.Equal(running.Select(r => r.Id).Order(), containers.Keys.Order());
        Assert.All(containers.Values, c =>
        {
            Assert.Equal(ContainerState.Running, c.State);
            Assert.Equal(c.Spec.Labels["flotilla.allocation"], c.Name);
            Assert.Equal(_workload, c.Spec.Labels["flotilla.workload"]);
            Assert.Equal(32L << 20, c.Spec.Memory);
        });

        await ControlPlane.ScaleAsync(_workload, 1);
        var kept = Assert.Single(await WaitForRunningAsync(1));
        await WaitUntilAsync(() => Agent.Allocations().Count == 1, "the agent removed the two replicas scaled away");
        Assert.Equal(containers[kept.Id].Id, Agent.Allocations()[kept.Id].Id);

        await ControlPlane.DeleteAsync(_workload);
        await WaitUntilAsync(() => Agent.Allocations().Count == 0, "the agent removed the deleted workload's replica");
        Assert.Equal(ContainerState.Running, Agent.Engine.Get(bystander).State);

        Assert.Contains(Agent.Logs.Messages, m => m.Contains("Registered with the control plane", StringComparison.Ordinal));
        Assert.DoesNotContain(Agent.Logs.Messages, m => m.Contains(LinkedControlPlane.JoinToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ControlPlaneAway_ContainersKeepRunning_AndWhenItReturns_NothingRestarts()
    {
        await ControlPlane.DeployAsync(Spec(replicas: 2));
        var running = await WaitForRunningAsync(2);
        var before = Snapshot();

        await ControlPlane.StopAsync();
        await WaitUntilAsync(() => !Agent.Link.Connected, "the agent noticed the control plane is gone");
        await Task.Delay(TimeSpan.FromSeconds(3)); // several reconcile passes without a control plane
        Assert.Equal(before, Snapshot());
        foreach (var replica in running)
        {
            Assert.Equal(TestImages.HttpdIndexHtml, await GetAsync(replica.Address, replica.HostPort));
        }

        await ControlPlane.RestartAsync();
        await WaitUntilAsync(() => Agent.Link.Connected, "the agent reconnected");
        await ControlPlane.WaitForNodeConvergedAsync(Agent.NodeId);
        Assert.Equal(before, Snapshot());

        await ControlPlane.ScaleAsync(_workload, 3);
        await WaitForRunningAsync(3);
        var after = Snapshot();
        Assert.All(before, b => Assert.Equal(b.Value, after[b.Key]));
    }

    [Fact]
    public async Task AgentRestart_ReadoptsRunningContainers_WithoutRestartingThem()
    {
        await ControlPlane.DeployAsync(Spec(replicas: 2));
        var running = await WaitForRunningAsync(2);
        var before = Snapshot();

        await Agent.RestartAsync();
        await WaitUntilAsync(() => Agent.Link.Connected, "the restarted agent registered");
        await ControlPlane.WaitForNodeConvergedAsync(Agent.NodeId);

        Assert.Equal(before, Snapshot());
        foreach (var replica in running)
        {
            Assert.Equal(TestImages.HttpdIndexHtml, await GetAsync(replica.Address, replica.HostPort));
        }

        await ControlPlane.ScaleAsync(_workload, 1);
        await WaitUntilAsync(() => Agent.Allocations().Count == 1, "the re-adopted replica scaled away was removed");
    }

    [Fact]
    public async Task HealthChecks_AreRunAndReported()
    {
        await ControlPlane.DeployAsync(Spec(replicas: 1));
        await ControlPlane.WaitForAsync(_workload, w => Replicas(w).Any(r => r.GetProperty("health").GetString() == "Healthy"), "a healthy replica");

        var update = Spec(replicas: 1, healthPath: "/missing");
        var current = await ControlPlane.GetAsync(_workload);
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/v1/workloads/{_workload}", UriKind.Relative))
        {
            Content = new StringContent(update, System.Text.Encoding.UTF8, "application/yaml"),
        };
        request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{current!.Value.GetProperty("version").GetInt64()}\""));
        using var response = await ControlPlane.Rest.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());

        await ControlPlane.WaitForAsync(
            _workload,
            w => Replicas(w).Any(r => r.GetProperty("revision").GetInt64() == 2 && r.GetProperty("health").GetString() == "Unhealthy"),
            "a revision 2 replica reported unhealthy (its check gets 404)");
    }

    [Fact]
    public async Task ImageThatCannotBePulled_IsReportedFailed_WithThePullError()
    {
        await ControlPlane.DeployAsync($$"""
            name: {{_workload}}
            image: {{lab.MissingImage}}
            replicas: 1
            resources: { cpu: 0.1, memory: 32Mi }
            placement: { constraints: ["testnode == {{Agent.NodeId}}"] }
            """);

        var workload = await ControlPlane.WaitForAsync(_workload, w => Replicas(w).Any(r => r.GetProperty("state").GetString() == "Failed"), "a failed replica");

        var reason = Replicas(workload).Single().GetProperty("reason").GetString();
        Assert.Contains("does-not-exist", reason, StringComparison.Ordinal);
        Assert.Empty(Agent.Allocations());
    }

    [Fact]
    public async Task WrongJoinToken_IsRefused_TheAgentKeepsTrying_AndTheTokenIsNotLogged()
    {
        const string wrong = "not-the-join-token-0123456789abcdef";
        await using var outsider = await LinkedAgent.StartAsync(_hosts![0], ControlPlane, joinToken: wrong);

        await WaitUntilAsync(
            () => outsider.Logs.Messages.Count(m => m.Contains("Lost the control plane", StringComparison.Ordinal)) >= 2,
            "the agent was refused at least twice");

        Assert.False(outsider.Link.Connected);
        Assert.Contains(outsider.Logs.Messages, m => m.Contains("Unauthenticated", StringComparison.Ordinal));
        Assert.DoesNotContain(outsider.Logs.Messages, m => m.Contains(wrong, StringComparison.Ordinal));
        using var node = await ControlPlane.Rest.GetAsync(new Uri($"/v1/nodes/{outsider.NodeId}", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, node.StatusCode);
    }

    private static IEnumerable<JsonElement> Replicas(JsonElement workload) => workload.GetProperty("replicas").EnumerateArray();

    private async Task<IReadOnlyList<(string Id, string Node, string Address, int HostPort)>> WaitForRunningAsync(int count)
    {
        var workload = await ControlPlane.WaitForAsync(
            _workload,
            w => w.GetProperty("runningReplicas").GetInt32() == count && w.GetProperty("replicas").GetArrayLength() == count,
            $"{count} running replicas");
        return LinkedControlPlane.RunningReplicas(workload);
    }

    /// <summary>Allocation id → (container id, pid, started at): equal snapshots mean nothing was restarted or replaced.</summary>
    private Dictionary<string, (string, int, DateTimeOffset?)> Snapshot() =>
        Agent.Allocations().ToDictionary(a => a.Key, a => (a.Value.Id, a.Value.Pid, a.Value.StartedAt));

    private async Task<string> StartBystanderAsync()
    {
        await Agent.Services.GetRequiredService<IImageStore>().PullAsync(lab.HttpdImage, null, CancellationToken.None);
        var record = await Agent.Engine.CreateAsync(
            new ContainerSpec
            {
                Name = "bystander-" + _workload,
                Image = lab.HttpdImage,
                Entrypoint = ["sleep", "600"],
                NetworkMode = "none",
                Labels = new Dictionary<string, string> { ["flotilla.workload"] = _workload },
            },
            CancellationToken.None);
        await Agent.Engine.StartAsync(record.Id, CancellationToken.None);
        return record.Id;
    }

    private static async Task<string> GetAsync(string address, int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                return await Http.GetStringAsync(new Uri($"http://{address}:{port}/"));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(200);
        }
    }
}

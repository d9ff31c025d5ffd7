using Flotilla.Contracts.Scheduling;
using Flotilla.ControlPlane.Tests.Hosting;
using Flotilla.TestSupport.Agents;
using Grpc.Core;
using Grpc.Health.V1;

namespace Flotilla.ControlPlane.Tests.Api;

/// <summary>The scheduling API over gRPC (h2c) against a real control plane.</summary>
[Trait("Category", "Integration")]
public sealed class SchedulingGrpcTests : IAsyncLifetime
{
    private const string Spec = "name: api\nimage: localhost:5000/api:1\nreplicas: 2\nports: [ { name: http, container: 80 } ]\n";

    private readonly string _data = TestControlPlane.NewDataDirectory();
    private TestControlPlane _cp = null!;

    public async Task InitializeAsync() => _cp = await TestControlPlane.StartAsync(_data);

    public async Task DisposeAsync()
    {
        await _cp.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task CreateScaleGetDelete_OverGrpc()
    {
        var client = new Contracts.Scheduling.Scheduling.SchedulingClient(_cp.Grpc);
        await using var agent = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "grpc-node");

        var created = await client.CreateWorkloadAsync(new CreateWorkloadRequest { Spec = Spec }, TestControlPlane.ApiHeaders);
        var scaled = await client.ScaleWorkloadAsync(new ScaleWorkloadRequest { Name = "api", Replicas = 3, ExpectedVersion = created.Version }, TestControlPlane.ApiHeaders);
        var stale = await Assert.ThrowsAsync<RpcException>(() =>
            client.ScaleWorkloadAsync(new ScaleWorkloadRequest { Name = "api", Replicas = 1, ExpectedVersion = created.Version }, TestControlPlane.ApiHeaders).ResponseAsync);
        var got = await client.GetWorkloadAsync(new GetWorkloadRequest { Name = "api" }, TestControlPlane.ApiHeaders);
        var nodes = await client.ListNodesAsync(new ListNodesRequest(), TestControlPlane.ApiHeaders);
        var deleted = await client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Name = "api" }, TestControlPlane.ApiHeaders);
        var deletedAgain = await client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Name = "api" }, TestControlPlane.ApiHeaders);

        Assert.Equal(2, created.DesiredReplicas);
        Assert.Equal(3, scaled.DesiredReplicas);
        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        Assert.Equal(3, got.Replicas.Count);
        Assert.All(got.Replicas, r => Assert.Equal("grpc-node", r.NodeId));
        Assert.Equal("grpc-node", nodes.Nodes.Single().Id);
        Assert.True(deleted.Existed);
        Assert.False(deletedAgain.Existed);
    }

    [Theory]
    [InlineData("name: api\nreplicas: 1\n", "image")]
    [InlineData("name: api\nimage: localhost:5000/api:1\nresources: { memory: lots }\n", "resources.memory")]
    [InlineData("name: api\nimage: localhost:5000/api:1\nbogus: true\n", "bogus")]
    public async Task Create_InvalidSpec_IsInvalidArgumentNamingTheField(string spec, string field)
    {
        var client = new Contracts.Scheduling.Scheduling.SchedulingClient(_cp.Grpc);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.CreateWorkloadAsync(new CreateWorkloadRequest { Spec = spec }, TestControlPlane.ApiHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ":", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await client.ListWorkloadsAsync(new ListWorkloadsRequest(), TestControlPlane.ApiHeaders)).Workloads);
    }

    [Fact]
    public async Task Calls_WithoutTheApiToken_AreUnauthenticated()
    {
        var client = new Contracts.Scheduling.Scheduling.SchedulingClient(_cp.Grpc);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.CreateWorkloadAsync(new CreateWorkloadRequest { Spec = Spec }).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Empty((await client.ListWorkloadsAsync(new ListWorkloadsRequest(), TestControlPlane.ApiHeaders)).Workloads);
    }

    [Fact]
    public async Task WatchWorkloads_SendsTheListAndThenEachChange()
    {
        var client = new Contracts.Scheduling.Scheduling.SchedulingClient(_cp.Grpc);
        using var watch = client.WatchWorkloads(new WatchWorkloadsRequest(), TestControlPlane.ApiHeaders);
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Empty(watch.ResponseStream.Current.Workloads);

        await client.CreateWorkloadAsync(new CreateWorkloadRequest { Spec = Spec }, TestControlPlane.ApiHeaders);

        do
        {
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        }
        while (watch.ResponseStream.Current.Workloads.Count == 0);
        Assert.Equal("api", watch.ResponseStream.Current.Workloads.Single().Name);
    }

    [Fact]
    public async Task WatchEvents_StreamsWhatHappens()
    {
        var client = new Contracts.Scheduling.Scheduling.SchedulingClient(_cp.Grpc);
        using var watch = client.WatchEvents(new WatchEventsRequest(), TestControlPlane.ApiHeaders);

        await client.CreateWorkloadAsync(new CreateWorkloadRequest { Spec = Spec }, TestControlPlane.ApiHeaders);

        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal("WorkloadCreated", watch.ResponseStream.Current.Kind);
        Assert.Equal("api", watch.ResponseStream.Current.Workload);
    }

    [Fact]
    public async Task HealthService_AnswersServingWithoutAToken()
    {
        var health = new Health.HealthClient(_cp.Grpc);

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}

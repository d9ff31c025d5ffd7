using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flotilla.ControlPlane.Tests.Hosting;

namespace Flotilla.ControlPlane.Tests.Api;

/// <summary>The REST API against a real embedded control plane: auth, validation, versions, limits.</summary>
[Trait("Category", "Integration")]
public sealed class WorkloadsApiTests : IAsyncLifetime
{
    private const string Spec = """
        name: web
        image: localhost:5000/web:1.0
        replicas: 2
        resources: { cpu: 0.1, memory: 32Mi }
        ports: [ { name: http, container: 8000 } ]
        """;

    private readonly string _data = TestControlPlane.NewDataDirectory();
    private TestControlPlane _cp = null!;

    public async Task InitializeAsync() => _cp = await TestControlPlane.StartAsync(_data);

    public async Task DisposeAsync()
    {
        await _cp.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-token-0123456789abcdef", HttpStatusCode.Unauthorized)]
    [InlineData(TestControlPlane.JoinToken, HttpStatusCode.Forbidden)]
    public async Task EveryApi_WithoutTheApiToken_IsRefusedAndChangesNothing(string? token, HttpStatusCode expected)
    {
        using var client = new HttpClient { BaseAddress = _cp.Rest.BaseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        Assert.Equal(expected, (await client.PostAsync("/v1/workloads", Yaml(Spec))).StatusCode);
        Assert.Equal(expected, (await client.GetAsync("/v1/workloads")).StatusCode);
        Assert.Equal(expected, (await client.GetAsync("/v1/nodes")).StatusCode);
        Assert.Equal(expected, (await client.GetAsync("/v1/events")).StatusCode);
        Assert.Equal(expected, (await client.DeleteAsync("/v1/workloads/web")).StatusCode);

        Assert.Empty(await _cp.Rest.GetFromJsonAsync<JsonElement[]>("/v1/workloads") ?? []);
    }

    [Fact]
    public async Task Create_ThenGet_ShowsDesiredReplicasPendingWithAReason()
    {
        var created = await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/v1/workloads/web", created.Headers.Location?.OriginalString);

        var workload = await _cp.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web");
        Assert.Equal(2, workload.GetProperty("desiredReplicas").GetInt32());
        Assert.Equal(2, workload.GetProperty("pendingReplicas").GetInt32());
        Assert.All(workload.GetProperty("replicas").EnumerateArray(), r =>
        {
            Assert.Equal("Pending", r.GetProperty("state").GetString());
            Assert.Equal("no node is registered", r.GetProperty("reason").GetString());
        });
        Assert.Equal("localhost:5000/web:1.0", workload.GetProperty("spec").GetProperty("image").GetString());
    }

    [Fact]
    public async Task Create_Twice_IsIdempotentForTheSameSpecAndAConflictForAnother()
    {
        Assert.Equal(HttpStatusCode.Created, (await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec))).StatusCode);

        var again = await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());

        var other = await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec.Replace("web:1.0", "web:2.0", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("name: web\nreplicas: 1\n", "image")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nreplicas: -1\n", "replicas")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nresources: { memory: lots }\n", "resources.memory")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nunknown: 1\n", "unknown")]
    [InlineData("name: a/b\nimage: localhost:5000/web:1\n", "name")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nports: [ { container: 99999 } ]\n", "ports[0].container")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nplacement: { constraints: [\"zone = = a\"] }\n", "placement.constraints[0]")]
    [InlineData("{\"name\": \"web\", \"image\": \"localhost:5000/web:1\", \"replicas\": \"many\"}", "replicas")]
    public async Task Create_InvalidSpec_Is400NamingTheFieldAndStoresNothing(string spec, string field)
    {
        var response = await _cp.Rest.PostAsync("/v1/workloads", Yaml(spec));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Empty(await _cp.Rest.GetFromJsonAsync<JsonElement[]>("/v1/workloads") ?? []);
        Assert.Equal(HttpStatusCode.NotFound, (await _cp.Rest.GetAsync("/v1/workloads/web")).StatusCode);
    }

    [Fact]
    public async Task Create_OversizedBody_IsRefused()
    {
        var huge = Spec + "\n# " + new string('x', 2 * 1024 * 1024) + "\n";

        var response = await _cp.Rest.PostAsync("/v1/workloads", Yaml(huge));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await _cp.Rest.GetFromJsonAsync<JsonElement[]>("/v1/workloads") ?? []);
    }

    [Fact]
    public async Task Update_WithAStaleVersion_Is412AndTheNewerSpecStays()
    {
        await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec));
        using var first = new HttpRequestMessage(HttpMethod.Put, "/v1/workloads/web") { Content = Yaml(Spec.Replace("web:1.0", "web:2.0", StringComparison.Ordinal)) };
        first.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var updated = await _cp.Rest.SendAsync(first);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("\"2\"", updated.Headers.ETag?.Tag);

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/v1/workloads/web") { Content = Yaml(Spec.Replace("web:1.0", "web:3.0", StringComparison.Ordinal)) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var refused = await _cp.Rest.SendAsync(stale);

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        var workload = await _cp.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web");
        Assert.Equal("localhost:5000/web:2.0", workload.GetProperty("spec").GetProperty("image").GetString());
        Assert.Equal(2, workload.GetProperty("revision").GetInt64());
    }

    [Fact]
    public async Task Scale_ChangesDesiredReplicasWithoutANewRevision()
    {
        await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec));

        var scaled = await _cp.Rest.PostAsJsonAsync("/v1/workloads/web/scale", new { replicas = 5 });
        var again = await _cp.Rest.PostAsJsonAsync("/v1/workloads/web/scale", new { replicas = 5 });

        Assert.Equal(HttpStatusCode.OK, scaled.StatusCode);
        var body = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(5, body.GetProperty("desiredReplicas").GetInt32());
        Assert.Equal(5, body.GetProperty("replicas").GetArrayLength());
        Assert.Equal(2, body.GetProperty("version").GetInt64());
        Assert.Equal(1, body.GetProperty("revision").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await _cp.Rest.PostAsJsonAsync("/v1/workloads/web/scale", new { replicas = -1 })).StatusCode);
    }

    [Fact]
    public async Task Delete_RemovesTheWorkloadAndASecondDeleteIs404()
    {
        await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec));

        Assert.Equal(HttpStatusCode.NoContent, (await _cp.Rest.DeleteAsync("/v1/workloads/web")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cp.Rest.DeleteAsync("/v1/workloads/web")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cp.Rest.GetAsync("/v1/workloads/web")).StatusCode);
        Assert.Empty(await _cp.Rest.GetFromJsonAsync<JsonElement[]>("/v1/workloads") ?? []);
    }

    [Fact]
    public async Task Anonymous_HealthMetricsAndOpenApi_AreServed()
    {
        using var anonymous = new HttpClient { BaseAddress = _cp.Rest.BaseAddress };

        Assert.Equal("ok", await anonymous.GetStringAsync("/healthz"));
        var metrics = await anonymous.GetStringAsync("/metrics");
        Assert.Contains("http_request_duration_seconds", metrics, StringComparison.Ordinal);
        var openApi = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/v1/workloads", out _));
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Flotilla.Gateway.Tests.Fixtures;
using Flotilla.TestSupport.Processes;

namespace Flotilla.Gateway.Tests.EndToEnd;

/// <summary>
/// The gateway against the real control plane process (embedded mode): routes arrive live over
/// the authenticated route feed, and the control plane stopping does not change what the gateway serves.
/// No node agents here, so exposed workloads have no replicas yet (503); routing to replicas
/// started by agents belongs to tests/EndToEnd.Tests.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ControlPlaneRouteFeedTests
{
    private const string ApiToken = "gateway-e2e-api-token-0123456789";

    [Fact]
    public async Task ExposedWorkload_ArrivesFromTheControlPlane_AndOutlivesIt()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("flotilla-gateway-e2e-");
        try
        {
            var restPort = FreePort.Next();
            var grpcPort = FreePort.Next();
            var controlPlane = BackgroundProcess.Start("dotnet",
            [
                ControlPlaneAssembly(),
                "--ControlPlane:Mode=Embedded",
                $"--ControlPlane:RestPort={restPort}",
                $"--ControlPlane:GrpcPort={grpcPort}",
                $"--ControlPlane:SiloPort={FreePort.Next()}",
                $"--ControlPlane:GatewayPort={FreePort.Next()}",
                $"--ControlPlane:DataDirectory={dataDirectory.FullName}",
                $"--ControlPlane:ApiToken={ApiToken}",
                "--ControlPlane:JoinToken=gateway-e2e-join-token-0123456789",
            ]);
            await using var _ = controlPlane;
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{restPort}"), Timeout = TimeSpan.FromSeconds(30) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
            await Eventually.TrueAsync(async () => await IsUpAsync(api), "the control plane to answer /healthz", TimeSpan.FromSeconds(60));

            await using var gateway = await GatewayHost.StartAsync($"http://127.0.0.1:{grpcPort}", new Dictionary<string, string?> { ["ControlPlane:Token"] = ApiToken });
            await Eventually.TrueAsync(async () => (await gateway.RoutesAsync()).GetProperty("controlPlaneConnected").GetBoolean(), "the gateway to subscribe");

            using var created = await api.PostAsJsonAsync("/v1/workloads", new
            {
                name = "e2e-web",
                image = "localhost:5000/hello:1.0",
                replicas = 2,
                command = new[] { "httpd", "-f", "-p", "8000" },
                ports = new[] { new { name = "http", container = 8000 } },
                expose = new { host = "e2e.local", path = "/e2e", port = "http" },
            });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            using var scaled = await api.PostAsJsonAsync("/v1/workloads/e2e-web/scale", new { replicas = 1 });
            Assert.True(scaled.IsSuccessStatusCode, await scaled.Content.ReadAsStringAsync());

            const string NoReplica = "503 Service Unavailable: workload 'e2e-web' has no healthy replica.\n";
            await Eventually.TrueAsync(async () =>
            {
                using var response = await gateway.GetAsync("/e2e", "e2e.local");
                return await response.Content.ReadAsStringAsync() == NoReplica;
            }, "the exposed workload's route to reach the gateway");
            using (var elsewhere = await gateway.GetAsync("/other", "e2e.local"))
            {
                Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
            }

            await controlPlane.DisposeAsync();
            await Eventually.TrueAsync(async () => !(await gateway.RoutesAsync()).GetProperty("controlPlaneConnected").GetBoolean(), "the gateway to notice the control plane is gone");
            using var after = await gateway.GetAsync("/e2e", "e2e.local");
            Assert.Equal(NoReplica, await after.Content.ReadAsStringAsync());
            Assert.Equal("e2e-web", Assert.Single((await gateway.RoutesAsync()).GetProperty("routes").EnumerateArray()).GetProperty("workload").GetString());
        }
        finally
        {
            dataDirectory.Delete(recursive: true);
        }
    }

    private static async Task<bool> IsUpAsync(HttpClient api)
    {
        try
        {
            using var response = await api.GetAsync("/healthz");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    // The control plane as built beside this test assembly's configuration (scripts/test.sh builds the whole solution first).
    private static string ControlPlaneAssembly()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var assembly = Path.Combine(directory.FullName, "src", "ControlPlane", "bin", configuration, "net10.0", "Flotilla.ControlPlane.dll");
        Assert.True(File.Exists(assembly), $"{assembly} is missing: build src/ControlPlane/ControlPlane.csproj -c {configuration} first (scripts/test.sh builds the solution)");
        return assembly;
    }
}

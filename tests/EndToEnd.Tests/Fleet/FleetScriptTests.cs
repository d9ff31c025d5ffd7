using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Fleet;

/// <summary>
/// <c>scripts/fleet.sh</c> as the README runs it: <c>up --hosts 2 --silos 2</c> starts Redis, two
/// silos in one cluster, an agent in each netns host and the gateway; <c>down</c> leaves nothing.
/// </summary>
[Trait(TestCategories.Name, TestCategories.EndToEnd)]
public sealed class FleetScriptTests
{
    [Fact]
    public async Task Up_StartsOneClusterAgentsInNetnsHostsAndTheGateway_AndDownLeavesNothing()
    {
        var fleet = new FleetScript();
        FleetDescription description;
        ProcessResult down;
        try
        {
            description = await fleet.UpAsync(hosts: 2, silos: 2);
            using var http = await ApiClientAsync(description);

            Assert.Equal(2, description.SiloRestAddresses.Count);
            foreach (var silo in description.SiloRestAddresses)
            {
                Assert.Equal("ok", await http.GetStringAsync(new Uri(silo, "/healthz")));
            }

            Assert.Equal(["host-1", "host-2"], description.Hosts.Select(h => h.Name));
            foreach (var host in description.Hosts)
            {
                // Asked from inside the host's own network namespace, as its neighbours would.
                var health = await ProcessRunner.RunAsync("ip", ["netns", "exec", host.Namespace, "curl", "-fsS", "--max-time", "5", $"http://{host.Address}:7080/healthz"]);
                Assert.Equal("ok", health.EnsureSuccess().StandardOutput.Trim());
            }

            using (var gateway = JsonDocument.Parse(await http.GetStringAsync(new Uri(description.GatewayAdmin, "/healthz"))))
            {
                Assert.True(gateway.RootElement.GetProperty("controlPlaneConnected").GetBoolean(), gateway.RootElement.ToString());
            }

            // 404 for an unknown path, not 503: the gateway holds the control plane's route table.
            Assert.Equal(HttpStatusCode.NotFound, await GatewayAnswerAsync(http, new Uri(description.GatewayProxy, "/no-such-route")));

            // One cluster: what one silo stores, the other serves.
            var spec = """{"name":"fleet-check","image":"localhost:5000/none:1.0","replicas":0}""";
            using (var created = await http.PostAsync(new Uri(description.SiloRestAddresses[0], "/v1/workloads"), new StringContent(spec, Encoding.UTF8, "application/json")))
            {
                Assert.True(created.IsSuccessStatusCode, $"{(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
            }

            Assert.Contains("fleet-check", await http.GetStringAsync(new Uri(description.SiloRestAddresses[1], "/v1/workloads/fleet-check")), StringComparison.Ordinal);

            // What down must remove, seen while the fleet runs: the check below looks in the right places.
            var running = await FleetLeftovers.FindAsync(fleet, description);
            foreach (var kind in new[] { "netns", "link", "address", "iptables", "process", "directory" })
            {
                Assert.Contains(running, l => l.StartsWith(kind + " ", StringComparison.Ordinal));
            }

            // A second up finds everything running and restarts nothing.
            var before = await fleet.StatusAsync();
            var again = await fleet.UpAsync(hosts: 2, silos: 2);
            var after = await fleet.StatusAsync();
            Assert.Equal(description.Hosts, again.Hosts);
            Assert.Equal(description.SiloRestAddresses, again.SiloRestAddresses);
            Assert.Equal(0, before.ExitCode);
            Assert.Equal(before.StandardOutput, after.StandardOutput);
        }
        finally
        {
            down = await fleet.DownAsync();
        }

        down.EnsureSuccess();
        Assert.Empty(await FleetLeftovers.FindAsync(fleet, description));
        Assert.Equal(3, (await fleet.StatusAsync()).ExitCode);
    }

    [Fact]
    public async Task Down_AfterEveryFleetProcessWasKilled_RemovesContainersAndEverythingElse()
    {
        var fleet = new FleetScript();
        FleetDescription description;
        ProcessResult down;
        var layout = Directory.CreateTempSubdirectory("flotilla-fleet-demo-").FullName;
        try
        {
            description = await fleet.UpAsync(hosts: 1, silos: 1);
            var host = description.Hosts[0];
            var image = $"{description.Registry}/hello:1.0";
            (await ProcessRunner.RunAsync(Path.Combine(fleet.Repository, "scripts", "demo-image.sh"), [layout, "1.0"])).EnsureSuccess();
            (await ProcessRunner.RunAsync("skopeo", ["copy", "--dest-tls-verify=false", $"oci:{layout}:1.0", $"docker://{image}"])).EnsureSuccess();
            var run = await ProcessRunner.RunAsync("docker", ["-H", $"unix://{host.SocketPath}", "run", "-d", "--name", "web", image], timeout: TimeSpan.FromSeconds(90));
            var id = run.EnsureSuccess().StandardOutput.Trim();
            Assert.Contains(Directory.GetDirectories("/sys/fs/cgroup"), root => Directory.Exists(Path.Combine(root, "flotilla", host.NodeId, id)));

            // A crash of the whole fleet: every process it started dies at once; the container lives on.
            foreach (var pid in FleetLeftovers.MarkedProcessIds(fleet.Name))
            {
                ProcessState.Kill(pid);
            }
        }
        finally
        {
            down = await fleet.DownAsync();
            Directory.Delete(layout, recursive: true);
        }

        down.EnsureSuccess();
        Assert.Empty(await FleetLeftovers.FindAsync(fleet, description));
    }

    private static async Task<HttpStatusCode> GatewayAnswerAsync(HttpClient http, Uri address)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.GetAsync(address);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 100)
            {
                return response.StatusCode;
            }

            await Task.Delay(300);
        }
    }

    private static async Task<HttpClient> ApiClientAsync(FleetDescription description)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(description.ApiTokenFile)).Trim());
        return http;
    }
}

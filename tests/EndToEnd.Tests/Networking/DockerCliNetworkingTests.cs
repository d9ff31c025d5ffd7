using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Agents;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Networking;

/// <summary>The real docker CLI against an agent with networking on, in a netns host; host2 plays another machine.</summary>
[Trait(TestCategories.Name, TestCategories.EndToEnd)]
public sealed class DockerCliNetworkingTests(TwoNetworkedHosts fixture) : IClassFixture<TwoNetworkedHosts>
{
    private static readonly string ContainerPort = TestImages.HttpdPort.ToString(CultureInfo.InvariantCulture);
    private readonly NetworkedHosts _group = fixture.Group;

    private AgentProcess Agent => _group.Agents[0];

    private string HostAddress => _group.Hosts[0].Address;

    [Fact]
    public async Task RunWithPublishedPort_IsReachedFromTheHostAndAnotherHost_ShownByPsAndPort_AndRmRemovesThePath()
    {
        var name = $"web-{_group.Suffix}";
        try
        {
            var run = await Agent.DockerAsync("run", "-d", "--name", name, "-p", $"18080:{ContainerPort}", _group.HttpdImage);
            Assert.True(run.Succeeded, run + Agent.LogTail());
            var id = run.StandardOutput.Trim();

            var port = await DockerOkAsync("port", name);
            var ps = await DockerOkAsync("ps", "--filter", $"name={name}", "--format", "{{.Ports}}");
            var address = await DockerOkAsync("inspect", "--format", "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.HostConfig.NetworkMode}}", name);
            var fromOtherHost = await _group.FetchAsync(1, $"http://{HostAddress}:18080/");
            var fromHostItself = await _group.FetchAsync(0, $"http://{HostAddress}:18080/");
            var fromHostLoopback = await _group.FetchAsync(0, "http://127.0.0.1:18080/");
            var rulesWhileRunning = await _group.RulesAsync(0);

            (await Agent.DockerAsync("rm", "-f", name)).EnsureSuccess();
            var afterRemoval = await _group.FetchOnceAsync(1, $"http://{HostAddress}:18080/");
            var rulesAfterRemoval = await _group.RulesAsync(0);

            Assert.Equal($"{ContainerPort}/tcp -> 0.0.0.0:18080", port);
            Assert.Equal($"0.0.0.0:18080->{ContainerPort}/tcp", ps);
            Assert.Matches(@"^10\.200\.0\.\d+ 10\.200\.0\.1 bridge$", address);
            Assert.Equal(TestImages.HttpdIndexHtml, fromOtherHost.StandardOutput);
            Assert.Equal(TestImages.HttpdIndexHtml, fromHostItself.StandardOutput);
            Assert.Equal(TestImages.HttpdIndexHtml, fromHostLoopback.StandardOutput);
            Assert.Contains(id, rulesWhileRunning, StringComparison.Ordinal);
            Assert.False(afterRemoval.Succeeded, "the published port still answers after rm -f: " + afterRemoval);
            Assert.DoesNotContain(id, rulesAfterRemoval, StringComparison.Ordinal);
            Assert.DoesNotContain("dnat to", rulesAfterRemoval, StringComparison.Ordinal);
        }
        finally
        {
            await Agent.DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task PublishAll_PublishesTheImagesExposedPortOnAPortFromTheRange()
    {
        var name = $"all-{_group.Suffix}";
        try
        {
            var run = await Agent.DockerAsync("run", "-d", "--name", name, "-P", _group.HttpdImage);
            Assert.True(run.Succeeded, run + Agent.LogTail());

            var port = await DockerOkAsync("port", name, $"{ContainerPort}/tcp");
            var hostPort = int.Parse(port[(port.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            var page = await _group.FetchAsync(1, $"http://{HostAddress}:{hostPort.ToString(CultureInfo.InvariantCulture)}/");

            Assert.InRange(hostPort, NetworkedHosts.HostPortRange.Start, NetworkedHosts.HostPortRange.End);
            Assert.Equal(TestImages.HttpdIndexHtml, page.StandardOutput);
        }
        finally
        {
            await Agent.DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task NetworkNone_HasOnlyLoopback_AndNetworkHost_SharesTheHostsInterfaces()
    {
        var none = await Agent.DockerAsync("run", "--rm", "--network", "none", _group.BusyboxImage, "sh", "-c", "ls /sys/class/net | sort | tr '\\n' ' '");
        var host = await Agent.DockerAsync("run", "--rm", "--network", "host", _group.BusyboxImage, "sh", "-c", "ls /sys/class/net | sort | tr '\\n' ' '");
        var bridge = await Agent.DockerAsync("run", "--rm", _group.BusyboxImage, "sh", "-c", "ls /sys/class/net | sort | tr '\\n' ' '");

        Assert.True(none.Succeeded, none + Agent.LogTail());
        Assert.Equal("lo", none.StandardOutput.Trim());
        Assert.True(host.Succeeded, host.ToString());
        Assert.Contains(_group.BridgeName(0), host.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("eth0", host.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("eth0 lo", bridge.StandardOutput.Trim());
    }

    [Fact]
    public async Task NetworkHost_ServesOnTheHostsAddress_AndReportsHostMode()
    {
        var name = $"hostnet-{_group.Suffix}";
        try
        {
            var run = await Agent.DockerAsync("run", "-d", "--name", name, "--network", "host", "--entrypoint", "httpd", _group.HttpdImage,
                "-f", "-p", "18181", "-h", "/www");
            Assert.True(run.Succeeded, run + Agent.LogTail());

            var page = await _group.FetchAsync(1, $"http://{HostAddress}:18181/");
            var mode = await DockerOkAsync("inspect", "--format", "{{.HostConfig.NetworkMode}} [{{.NetworkSettings.IPAddress}}]", name);

            Assert.Equal(TestImages.HttpdIndexHtml, page.StandardOutput);
            Assert.Equal("host []", mode);
        }
        finally
        {
            await Agent.DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task APortTakenByAContainerOrAProcess_IsRefusedWithAClearMessage_AndNothingIsCreated()
    {
        var first = $"holder-{_group.Suffix}";
        var second = $"clash-{_group.Suffix}";
        var third = $"clash2-{_group.Suffix}";
        await using var listener = _group.Hosts[0].Start("busybox", ["nc", "-l", "-p", "18383"]);
        try
        {
            (await Agent.DockerAsync("run", "-d", "--name", first, "-p", $"18282:{ContainerPort}", _group.HttpdImage)).EnsureSuccess();
            await WaitUntilListeningAsync(18383);

            var byContainer = await Agent.DockerAsync("run", "-d", "--name", second, "-p", $"18282:{ContainerPort}", _group.HttpdImage);
            var byProcess = await Agent.DockerAsync("run", "-d", "--name", third, "-p", $"18383:{ContainerPort}", _group.HttpdImage);
            var names = await DockerOkAsync("ps", "-a", "--format", "{{.Names}}");
            var stillServed = await _group.FetchAsync(1, $"http://{HostAddress}:18282/");

            Assert.NotEqual(0, byContainer.ExitCode);
            Assert.Contains("host port 0.0.0.0:18282/tcp is already published by container", byContainer.StandardError, StringComparison.Ordinal);
            Assert.NotEqual(0, byProcess.ExitCode);
            Assert.Contains("host port 0.0.0.0:18383/tcp is already bound by another process", byProcess.StandardError, StringComparison.Ordinal);
            Assert.Equal([first], names.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(n => n.EndsWith(_group.Suffix, StringComparison.Ordinal)));
            Assert.Equal(TestImages.HttpdIndexHtml, stillServed.StandardOutput);
        }
        finally
        {
            await Agent.DockerAsync("rm", "-f", first);
        }
    }

    [Fact]
    public async Task UnknownNetworkAndInvalidPorts_AreRefusedByTheApi()
    {
        var before = await DockerOkAsync("ps", "-aq");
        var unknownNetwork = await Agent.DockerAsync("run", "-d", "--network", "backend", _group.HttpdImage);
        using var api = Agent.CreateApiClient();
        var badProtocol = await CreateAsync(api, """{"Image":"IMAGE","HostConfig":{"PortBindings":{"80/sctp":[{"HostPort":"8080"}]}}}""");
        var badHostPort = await CreateAsync(api, """{"Image":"IMAGE","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"70000"}]}}}""");
        var badContainerPort = await CreateAsync(api, """{"Image":"IMAGE","HostConfig":{"PortBindings":{"0/tcp":[{"HostPort":"8080"}]}}}""");
        var portsWithoutNetwork = await CreateAsync(api, """{"Image":"IMAGE","HostConfig":{"NetworkMode":"none","PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}""");
        var after = await DockerOkAsync("ps", "-aq");

        Assert.NotEqual(0, unknownNetwork.ExitCode);
        Assert.Contains("network backend not found", unknownNetwork.StandardError, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.BadRequest, true), (badProtocol.Status, badProtocol.Message.Contains("only tcp and udp", StringComparison.Ordinal)));
        Assert.Equal((HttpStatusCode.BadRequest, true), (badHostPort.Status, badHostPort.Message.Contains("host port '70000'", StringComparison.Ordinal)));
        Assert.Equal((HttpStatusCode.BadRequest, true), (badContainerPort.Status, badContainerPort.Message.Contains("container port '0'", StringComparison.Ordinal)));
        Assert.Equal((HttpStatusCode.BadRequest, true), (portsWithoutNetwork.Status, portsWithoutNetwork.Message.Contains("--network none", StringComparison.Ordinal)));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task NetworkLsAndInspect_ShowTheBridgeWithItsSubnetAndContainers_AndCreateIsRefused()
    {
        var name = $"listed-{_group.Suffix}";
        try
        {
            var run = await Agent.DockerAsync("run", "-d", "--name", name, _group.HttpdImage);
            Assert.True(run.Succeeded, run + Agent.LogTail());
            var ip = await DockerOkAsync("inspect", "--format", "{{.NetworkSettings.IPAddress}}", name);

            var list = await DockerOkAsync("network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}");
            var bridge = await DockerOkAsync("network", "inspect", "bridge", "--format",
                "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}");
            var create = await Agent.DockerAsync("network", "create", $"backend-{_group.Suffix}");

            Assert.Equal("bridge bridge local\nhost host local\nnone null local", list);
            Assert.Equal($"10.200.0.0/24 10.200.0.1 {name} {ip}/24", bridge);
            Assert.NotEqual(0, create.ExitCode);
            Assert.Contains("user-defined networks are not supported", create.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            await Agent.DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task TrafficThroughThePublishedPort_ShowsInMetricsAndStats()
    {
        var name = $"metered-{_group.Suffix}";
        try
        {
            var run = await Agent.DockerAsync("run", "-d", "--name", name, "-p", $"18484:{ContainerPort}", _group.HttpdImage);
            Assert.True(run.Succeeded, run + Agent.LogTail());
            for (var i = 0; i < 3; i++)
            {
                (await _group.FetchAsync(1, $"http://{HostAddress}:18484/")).EnsureSuccess();
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var metrics = await http.GetStringAsync(new Uri(Agent.HttpAddress, "metrics"));
            using var api = Agent.CreateApiClient();
            using var stats = JsonDocument.Parse(await api.GetStringAsync(new Uri($"containers/{name}/stats?stream=false", UriKind.Relative)));
            var eth0 = stats.RootElement.GetProperty("networks").GetProperty("eth0");

            var received = Sample(metrics, "container_network_receive_bytes_total", name);
            var sent = Sample(metrics, "container_network_transmit_bytes_total", name);
            Assert.True(received > 0, metrics);
            Assert.True(sent > 3 * TestImages.HttpdIndexHtml.Length, metrics);
            Assert.True(eth0.GetProperty("rx_bytes").GetInt64() >= received);
            Assert.True(eth0.GetProperty("tx_bytes").GetInt64() >= sent);
            Assert.DoesNotContain("interface=\"lo\"", metrics, StringComparison.Ordinal);
        }
        finally
        {
            await Agent.DockerAsync("rm", "-f", name);
        }
    }

    private static double Sample(string metrics, string series, string name)
    {
        var line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith(series + "{", StringComparison.Ordinal)
            && l.Contains($"name=\"{name}\"", StringComparison.Ordinal) && l.Contains("interface=\"eth0\"", StringComparison.Ordinal));
        Assert.True(line is not null, $"no {series} for {name} on eth0 in:\n{metrics}");
        return double.Parse(line![(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private async Task<(HttpStatusCode Status, string Message)> CreateAsync(HttpClient api, string body)
    {
        using var content = new StringContent(body.Replace("IMAGE", _group.HttpdImage, StringComparison.Ordinal), Encoding.UTF8, "application/json");
        using var response = await api.PostAsync(new Uri("v1.47/containers/create", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.TryGetProperty("message", out var message) ? message.GetString() ?? "" : text);
    }

    private async Task<string> DockerOkAsync(params string[] arguments)
    {
        var result = await Agent.DockerAsync(arguments);
        Assert.True(result.Succeeded, result + Agent.LogTail());
        return result.StandardOutput.Trim();
    }

    private async Task WaitUntilListeningAsync(int port)
    {
        for (var i = 0; i < 50; i++)
        {
            var ss = await _group.Hosts[0].RunAsync("ss", "-Hltn", $"sport = :{port.ToString(CultureInfo.InvariantCulture)}");
            if (ss.StandardOutput.Trim().Length > 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"nothing listens on port {port} in {_group.Hosts[0]}");
    }
}

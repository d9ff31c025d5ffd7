using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Netns;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Fixtures;

[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class NetnsHostsTests
{
    [Fact]
    public async Task TwoHosts_PingEachOther()
    {
        await using var hosts = await NetnsHosts.CreateAsync(2);

        var there = await hosts[0].RunAsync("busybox", "ping", "-c", "1", "-W", "3", hosts[1].Address);
        var back = await hosts[1].RunAsync("busybox", "ping", "-c", "1", "-W", "3", hosts[0].Address);

        Assert.True(there.Succeeded, there.ToString());
        Assert.True(back.Succeeded, back.ToString());
    }

    [Fact]
    public async Task AServerInOneHost_AnswersAnotherHost()
    {
        await using var hosts = await NetnsHosts.CreateAsync(2);
        var site = Directory.CreateTempSubdirectory("flotilla-netns-site-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(site, "index.html"), $"served by {hosts[1].Name}\n");
            await using var httpd = hosts[1].Start("busybox", ["httpd", "-f", "-p", "8080", "-h", site]);

            // busybox-static's wget crashes with -T; the runner's timeout bounds each attempt instead.
            var page = await RetryAsync(() => hosts[0].RunAsync(
                "busybox", ["wget", "-q", "-O", "-", $"http://{hosts[1].Address}:8080/"], TimeSpan.FromSeconds(10)));

            Assert.Equal("served by host2\n", page.StandardOutput);
        }
        finally
        {
            Directory.Delete(site, recursive: true);
        }
    }

    [Fact]
    public async Task Hosts_ReachNothingOutsideTheirGroup()
    {
        await using var hosts = await NetnsHosts.CreateAsync(2);
        await using var others = await NetnsHosts.CreateAsync(1);
        using var rootLoopback = new TcpListener(IPAddress.Loopback, 0);
        rootLoopback.Start();
        var rootPort = ((IPEndPoint)rootLoopback.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var otherGroup = await hosts[0].RunAsync("busybox", "ping", "-c", "1", "-W", "2", others[0].Address);
        var loopback = await hosts[0].RunAsync("busybox", "nc", "-w", "2", "127.0.0.1", rootPort);
        var routes = await hosts[0].RunAsync("ip", "route", "show");

        Assert.False(otherGroup.Succeeded, otherGroup.ToString());
        Assert.False(loopback.Succeeded, loopback.ToString());
        Assert.Equal($"{hosts.Subnet} dev eth0 proto kernel scope link src {hosts[0].Address}", routes.EnsureSuccess().StandardOutput.Trim());
        // Asking the kernel for a route sends nothing: no packet leaves for an address outside the range.
        foreach (var outside in new[] { "192.0.2.1", "203.0.113.1", "10.0.0.1", "172.17.0.1" })
        {
            var route = await hosts[0].RunAsync("ip", "route", "get", outside);
            Assert.False(route.Succeeded, route.ToString());
            Assert.Contains("unreachable", route.StandardError, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Hosts_ReachTheRootNamespace_OnlyAtTheGatewayAddress()
    {
        await using var hosts = await NetnsHosts.CreateAsync(1);
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var accepted = AcceptLineAsync(listener);

        var send = await hosts[0].RunAsync("sh", "-c", $"echo hello | busybox nc -w 3 {hosts.GatewayAddress} {port}");

        Assert.True(send.Succeeded, send.ToString());
        Assert.Equal(("hello", hosts[0].Address), await accepted.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ParallelGroups_GetDistinctSubnetsAndNames()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => NetnsHosts.CreateAsync(1)));
        try
        {
            Assert.Equal(3, created.Select(h => h.Subnet).Distinct().Count());
            Assert.Equal(3, created.Select(h => h[0].Namespace).Distinct().Count());
            Assert.All(created, h => Assert.StartsWith("198.1", h.Subnet, StringComparison.Ordinal));
            Assert.All(created, h => Assert.InRange(h.BridgeName.Length, 1, 15));
        }
        finally
        {
            foreach (var hosts in created)
            {
                await hosts.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Dispose_RemovesNamespacesBridgeRulesAndProcesses()
    {
        var hosts = await NetnsHosts.CreateAsync(2);
        var started = hosts[0].Start("busybox", ["sleep", "600"]);
        var detached = await hosts[1].RunAsync("sh", "-c", "busybox sleep 600 >/dev/null 2>&1 & echo $!");
        var detachedPid = int.Parse(detached.EnsureSuccess().StandardOutput.Trim(), CultureInfo.InvariantCulture);
        Assert.True(ProcessState.IsRunning(detachedPid));
        var namespaces = hosts.Hosts.Select(h => h.Namespace).ToList();

        await hosts.DisposeAsync();

        var left = (await ProcessRunner.RunCheckedAsync("ip", ["netns", "list"])).StandardOutput;
        Assert.All(namespaces, ns => Assert.DoesNotContain(ns + " ", left + " ", StringComparison.Ordinal));
        Assert.False((await ProcessRunner.RunAsync("ip", ["link", "show", hosts.BridgeName])).Succeeded);
        Assert.DoesNotContain($"-i {hosts.BridgeName} ", (await ProcessRunner.RunCheckedAsync("iptables", ["-w", "-S", "FORWARD"])).StandardOutput, StringComparison.Ordinal);
        Assert.True(started.HasExited);
        Assert.False(ProcessState.IsRunning(detachedPid), $"pid {detachedPid} started inside {namespaces[1]} survived teardown");
    }

    private static async Task<(string Line, string From)> AcceptLineAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        using var reader = new StreamReader(client.GetStream());
        var line = await reader.ReadLineAsync() ?? "";
        return (line, ((IPEndPoint)client.Client.RemoteEndPoint!).Address.ToString());
    }

    private static async Task<ProcessResult> RetryAsync(Func<Task<ProcessResult>> run)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await run();
            if (result.Succeeded || attempt == 40)
            {
                return result.EnsureSuccess();
            }

            await Task.Delay(250);
        }
    }
}

using System.Net.Sockets;
using System.Text;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Netns;
using Flotilla.TestSupport.Processes;
using Flotilla.TestSupport.Redis;

namespace Flotilla.EndToEnd.Tests.Fixtures;

[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class RedisFixtureTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Redis_AnswersPing_OnTheMappedPort()
    {
        Assert.Equal("+PONG", await SendAsync(redis.Host, redis.Port, "PING"));
    }

    [Fact]
    public async Task Redis_StoresAndReturnsAValue()
    {
        var key = $"fixture-test-{Guid.NewGuid():N}";

        Assert.Equal("+OK", await SendAsync(redis.Host, redis.Port, $"SET {key} flotilla"));
        Assert.Equal("$8\r\nflotilla", await SendAsync(redis.Host, redis.Port, $"GET {key}", lines: 2));
    }

    [Fact]
    public async Task Redis_RunsOnTheLocallyBuiltScratchImage()
    {
        var image = await ProcessRunner.RunCheckedAsync("docker", ["inspect", "--format", "{{.Config.Image}}", redis.Container.Id]);

        Assert.StartsWith(RedisImage.Repository + ":", image.StandardOutput.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redis_AnswersAHostInANetworkNamespace_AtTheGatewayAddress()
    {
        await using var hosts = await NetnsHosts.CreateAsync(1);

        var ping = await hosts[0].RunAsync(
            "sh", ["-c", $"printf 'PING\\r\\n' | busybox nc -w 3 {hosts.GatewayAddress} {redis.Port}"], TimeSpan.FromSeconds(20));

        Assert.Equal("+PONG", ping.EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task Dispose_RemovesTheContainer()
    {
        var own = await RedisFixture.StartAsync();
        var id = own.Container.Id;
        Assert.Equal("+PONG", await SendAsync(own.Host, own.Port, "PING"));

        await own.DisposeAsync();

        var left = await ProcessRunner.RunCheckedAsync("docker", ["ps", "--all", "--quiet", "--no-trunc", "--filter", $"id={id}"]);
        Assert.Equal("", left.StandardOutput.Trim());
    }

    // One inline RESP command over a fresh connection; returns the first reply lines without CRLF at the end.
    private static async Task<string> SendAsync(string host, int port, string command, int lines = 1)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(host, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var reply = new List<string>();
        for (var i = 0; i < lines; i++)
        {
            reply.Add(await reader.ReadLineAsync() ?? throw new InvalidOperationException($"redis closed the connection after {command}"));
        }

        return string.Join("\r\n", reply);
    }
}

using System.Text.Json;
using Flotilla.Cli.Commands;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Tests.Commands;

[Trait("Category", "Unit")]
public sealed class RunOptionsTests
{
    private static readonly CommandSpec Spec = ContainerRun.Command.Spec;

    private static JsonElement Body(params string[] args)
    {
        var parsed = ArgParser.Parse(Spec, args);
        using var document = JsonDocument.Parse(RunOptions.BuildCreateBody(parsed, parsed.Arguments[0], [.. parsed.Arguments.Skip(1)]));
        return document.RootElement.Clone();
    }

    [Fact]
    public void TheCreateBody_CarriesEveryOption()
    {
        var body = Body("--rm", "-e", "A=1", "-v", "data:/data:ro", "-p", "127.0.0.1:8080:80", "-p", "53/udp", "-l", "team=cli",
            "--memory", "64m", "--cpus", "1.5", "--pids-limit", "100", "--read-only", "-u", "nobody", "-w", "/tmp",
            "--entrypoint", "/bin/sh", "--network", "none", "--hostname", "h", "busybox", "-c", "true");

        Assert.Equal("busybox", body.GetProperty("Image").GetString());
        Assert.Equal(["-c", "true"], body.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["/bin/sh"], body.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["A=1"], body.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("nobody", body.GetProperty("User").GetString());
        Assert.Equal("/tmp", body.GetProperty("WorkingDir").GetString());
        Assert.Equal("cli", body.GetProperty("Labels").GetProperty("team").GetString());
        Assert.True(body.GetProperty("ExposedPorts").TryGetProperty("80/tcp", out _));
        var host = body.GetProperty("HostConfig");
        Assert.Equal(64L << 20, host.GetProperty("Memory").GetInt64());
        Assert.Equal(1_500_000_000L, host.GetProperty("NanoCpus").GetInt64());
        Assert.Equal(100, host.GetProperty("PidsLimit").GetInt64());
        Assert.True(host.GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.True(host.GetProperty("AutoRemove").GetBoolean());
        Assert.Equal("none", host.GetProperty("NetworkMode").GetString());
        Assert.Equal(["data:/data:ro"], host.GetProperty("Binds").EnumerateArray().Select(e => e.GetString()));
        var binding = host.GetProperty("PortBindings").GetProperty("80/tcp")[0];
        Assert.Equal("127.0.0.1", binding.GetProperty("HostIp").GetString());
        Assert.Equal("8080", binding.GetProperty("HostPort").GetString());
        Assert.Equal("", host.GetProperty("PortBindings").GetProperty("53/udp")[0].GetProperty("HostPort").GetString());
    }

    [Fact]
    public void WithoutACommand_TheImagesCmdIsKept()
    {
        var body = Body("busybox");

        Assert.False(body.TryGetProperty("Cmd", out _));
        Assert.False(body.TryGetProperty("Entrypoint", out _));
        Assert.Equal("no", body.GetProperty("HostConfig").GetProperty("RestartPolicy").GetProperty("Name").GetString());
    }

    [Fact]
    public void AnEmptyEntrypoint_ClearsTheImages()
    {
        Assert.Empty(Body("--entrypoint", "", "busybox").GetProperty("Entrypoint").EnumerateArray());
    }

    [Theory]
    [InlineData("64m", 64L << 20)]
    [InlineData("64mb", 64L << 20)]
    [InlineData("1g", 1L << 30)]
    [InlineData("512k", 512L << 10)]
    [InlineData("1048576", 1048576)]
    [InlineData("0.5g", 1L << 29)]
    public void Sizes_ReadLikeDockers(string text, long bytes) => Assert.Equal(bytes, RunOptions.ParseBytes(text, "--memory"));

    [Theory]
    [InlineData("lots")]
    [InlineData("-5m")]
    [InlineData("")]
    [InlineData("0")]
    public void BadSizes_AreRefused(string text) => Assert.Throws<UsageException>(() => RunOptions.ParseBytes(text, "--memory"));

    [Theory]
    [InlineData("always", "always", 0)]
    [InlineData("on-failure:3", "on-failure", 3)]
    [InlineData("unless-stopped", "unless-stopped", 0)]
    [InlineData("no", "no", 0)]
    public void RestartPolicies_Parse(string text, string name, int retries) => Assert.Equal((name, retries), RunOptions.ParseRestart(text));

    [Theory]
    [InlineData("sometimes")]
    [InlineData("always:3")]
    [InlineData("on-failure:x")]
    public void BadRestartPolicies_AreRefused(string text) => Assert.Throws<UsageException>(() => RunOptions.ParseRestart(text));

    [Theory]
    [InlineData("8080:80", "80/tcp", "", "8080")]
    [InlineData("80", "80/tcp", "", "")]
    [InlineData("127.0.0.1::80/udp", "80/udp", "127.0.0.1", "")]
    [InlineData("0.0.0.0:53:53/udp", "53/udp", "0.0.0.0", "53")]
    public void Ports_Parse(string text, string key, string ip, string hostPort) => Assert.Equal((key, ip, hostPort), RunOptions.ParsePort(text));

    [Theory]
    [InlineData("0:80")]
    [InlineData("80:70000")]
    [InlineData("a:b:c:d")]
    [InlineData("nothost:80:80")]
    [InlineData("80/icmp")]
    public void BadPorts_AreRefused(string text) => Assert.Throws<UsageException>(() => RunOptions.ParsePort(text));

    [Theory]
    [InlineData("runc create failed: exec: \"nosuch\": executable file not found in $PATH", 127)]
    [InlineData("exec /bin/x: no such file or directory", 127)]
    [InlineData("exec /etc/passwd: permission denied", 126)]
    [InlineData("cgroup: cannot write memory.limit_in_bytes", 125)]
    public void StartFailures_MapToDockersExitCodes(string message, int code) => Assert.Equal(code, ContainerRun.StartFailureCode(message));
}

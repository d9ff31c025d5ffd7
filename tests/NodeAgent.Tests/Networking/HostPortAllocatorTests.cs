using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

[Trait("Category", "Unit")]
public sealed class HostPortAllocatorTests
{
    private static readonly (string, PublishedPort)[] Published = [("c1", new PublishedPort("0.0.0.0", 20000, 80, PortProtocol.Tcp))];

    [Fact]
    public void ChosenPort_SkipsPortsOfContainersAndProcesses_AndPortsAskedForExplicitly()
    {
        ListeningSocket[] bound = [new(PortProtocol.Tcp, null, 20001)];

        var ports = HostPortAllocator.Resolve([PortMapping.Parse("80"), PortMapping.Parse("20002:81")], Published, bound, 20000, 20010);

        Assert.Equal([new PublishedPort("0.0.0.0", 20003, 80, PortProtocol.Tcp), new PublishedPort("0.0.0.0", 20002, 81, PortProtocol.Tcp)], ports);
    }

    [Fact]
    public void SamePortOnAnotherProtocol_OrAnotherSpecificAddress_IsFree()
    {
        var ports = HostPortAllocator.Resolve([PortMapping.Parse("20000:53/udp")], Published,
            [new ListeningSocket(PortProtocol.Tcp, "127.0.0.1", 20005)], 20000, 20010);
        var onLoopback = HostPortAllocator.Resolve([PortMapping.Parse("127.0.0.2:20005:80")], [],
            [new ListeningSocket(PortProtocol.Tcp, "127.0.0.1", 20005)], 20000, 20010);

        Assert.Equal(20000, Assert.Single(ports).HostPort);
        Assert.Equal(20005, Assert.Single(onLoopback).HostPort);
    }

    [Theory]
    [InlineData("20000:80", "published by container c1")]
    [InlineData("127.0.0.1:20000:80", "published by container c1")]
    [InlineData("20001:80", "bound by another process")]
    public void TakenPort_IsRefused(string spec, string reason)
    {
        var error = Assert.Throws<PortInUseException>(() => HostPortAllocator.Resolve([PortMapping.Parse(spec)], Published,
            [new ListeningSocket(PortProtocol.Tcp, "10.0.0.5", 20001)], 20000, 20010));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SameHostPortTwiceInOneRequest_IsRefused() =>
        Assert.Throws<PortInUseException>(() => HostPortAllocator.Resolve([PortMapping.Parse("9000:80"), PortMapping.Parse("9000:81")], [], [], 20000, 20010));

    [Fact]
    public void ExhaustedRange_IsRefused()
    {
        var error = Assert.Throws<PortInUseException>(() => HostPortAllocator.Resolve([PortMapping.Parse("80")], Published, [], 20000, 20000));

        Assert.Contains("20000-20000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SsOutput_IsRead()
    {
        const string output = """
            tcp   LISTEN 0      4096         0.0.0.0:22        0.0.0.0:*
            tcp   LISTEN 0      511        127.0.0.1:8080      0.0.0.0:*
            tcp   LISTEN 0      4096            [::]:7070         [::]:*
            udp   UNCONN 0      0      127.0.0.53%lo:53        0.0.0.0:*
            tcp   LISTEN 0      128                *:9090            *:*
            """;

        Assert.Equal(
            [
                new ListeningSocket(PortProtocol.Tcp, null, 22),
                new ListeningSocket(PortProtocol.Tcp, "127.0.0.1", 8080),
                new ListeningSocket(PortProtocol.Tcp, null, 7070),
                new ListeningSocket(PortProtocol.Udp, "127.0.0.53", 53),
                new ListeningSocket(PortProtocol.Tcp, null, 9090),
            ],
            ListeningSocket.ParseSs(output));
    }
}

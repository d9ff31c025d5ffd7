using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

[Trait("Category", "Unit")]
public sealed class ContainerFilesTests
{
    [Fact]
    public void ResolvConf_DropsLoopbackResolvers_KeepsTheRest()
    {
        const string host = "# generated\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 10.0.0.2\nsearch corp.example\noptions edns0\n";

        Assert.Equal("# generated\nnameserver 10.0.0.2\nsearch corp.example\noptions edns0\n", ContainerFiles.ResolvConf(host, ["8.8.8.8"]));
    }

    [Fact]
    public void ResolvConf_WithOnlyLoopbackResolvers_UsesTheFallback() =>
        Assert.Equal("search lan\nnameserver 9.9.9.9\n", ContainerFiles.ResolvConf("nameserver 127.0.0.53\nsearch lan\n", ["9.9.9.9"]));

    [Fact]
    public void Hosts_HoldLocalhost_TheContainersNames_AndPeers()
    {
        var hosts = ContainerFiles.Hosts("10.88.0.2", "abc123", ["web", "abc123", "www"], [("10.88.0.3", ["db", "database"])]);

        Assert.StartsWith("127.0.0.1\tlocalhost\n", hosts, StringComparison.Ordinal);
        Assert.Contains("\n10.88.0.2\tabc123 web www\n", hosts, StringComparison.Ordinal);
        Assert.EndsWith("\n10.88.0.3\tdb database\n", hosts, StringComparison.Ordinal);
    }

    [Fact]
    public void NetDev_IsParsedPerInterface()
    {
        const string text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     560       8    0    0    0     0          0         0      560       8    0    0    0     0       0          0
              eth0: 1234567    1000    1    2    0     0          0         0   765432     900    3    4    0     0       0          0
            """;

        Assert.Equal(
            [new InterfaceStatistics("lo", 560, 8, 0, 0, 560, 8, 0, 0), new InterfaceStatistics("eth0", 1234567, 1000, 1, 2, 765432, 900, 3, 4)],
            NetDevParser.Parse(text));
    }

    [Fact]
    public void NetDev_OfALiveProcess_ListsItsLoopback_AndOfAGoneOneIsEmpty()
    {
        Assert.Contains(NetDevParser.Read(Environment.ProcessId), s => s.Interface == "lo");
        Assert.Empty(NetDevParser.Read(int.MaxValue));
    }
}

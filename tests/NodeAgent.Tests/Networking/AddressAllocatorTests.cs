using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

[Trait("Category", "Unit")]
public sealed class AddressAllocatorTests
{
    private static readonly Ipv4Subnet Subnet = Ipv4Subnet.Parse("10.1.2.0/29");

    [Fact]
    public void FirstAddress_FollowsTheGateway() =>
        Assert.Equal("10.1.2.2", Ipv4Subnet.Format(AddressAllocator.Allocate(Subnet, [], null)));

    [Fact]
    public void NextAddress_FollowsTheLastHandedOut_SoAFreedOneIsReusedLast() =>
        Assert.Equal("10.1.2.5", Ipv4Subnet.Format(AddressAllocator.Allocate(Subnet, ["10.1.2.2"], "10.1.2.4")));

    [Fact]
    public void Search_WrapsAround_AndSkipsAddressesInUse() =>
        Assert.Equal("10.1.2.3", Ipv4Subnet.Format(AddressAllocator.Allocate(Subnet, ["10.1.2.2", "10.1.2.4"], "10.1.2.6")));

    [Fact]
    public void NetworkGatewayAndBroadcast_AreNeverHandedOut()
    {
        var inUse = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            inUse.Add(Ipv4Subnet.Format(AddressAllocator.Allocate(Subnet, inUse, inUse.LastOrDefault())));
        }

        Assert.Equal(["10.1.2.2", "10.1.2.3", "10.1.2.4", "10.1.2.5", "10.1.2.6"], inUse);
        var full = Assert.Throws<NetworkingException>(() => AddressAllocator.Allocate(Subnet, inUse, inUse[^1]));
        Assert.Contains("no free address", full.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.88.0.0/16", true)]
    [InlineData("10.88.0.1/16", false)]
    [InlineData("10.88.0.0", false)]
    [InlineData("10.88.0.0/31", false)]
    [InlineData("fd00::/64", false)]
    public void Subnet_IsParsedOrRefused(string text, bool valid) => Assert.Equal(valid, Ipv4Subnet.TryParse(text, out _, out _));
}

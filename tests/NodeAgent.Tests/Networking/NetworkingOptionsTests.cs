using Flotilla.NodeAgent.Networking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Tests.Networking;

[Trait("Category", "Unit")]
public sealed class NetworkingOptionsTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.NotNull(Resolve(_ => { }));

    [Theory]
    [InlineData("BridgeName", "Networking:BridgeName")]
    [InlineData("Subnet", "Networking:Subnet")]
    [InlineData("Range", "Networking:HostPortRangeStart/End")]
    [InlineData("StateDirectory", "Networking:StateDirectory")]
    [InlineData("HostNetworkNamespace", "Networking:HostNetworkNamespace")]
    public void InvalidSetting_FailsStartUp_NamingTheSetting(string setting, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            switch (setting)
            {
                case "BridgeName": o.BridgeName = "a-bridge-name-too-long"; break;
                case "Subnet": o.Subnet = "10.88.0.1/16"; break;
                case "Range": o.HostPortRangeStart = 30000; o.HostPortRangeEnd = 20000; break;
                case "StateDirectory": o.StateDirectory = "relative/state"; break;
                case "HostNetworkNamespace": o.HostNetworkNamespace = "/run/netns/does-not-exist-" + Guid.NewGuid(); break;
            }
        }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_RefusesInvalidPortsAndPortsInNoneMode_BeforeTouchingTheSystem()
    {
        var networking = Resolve(o => o.StateDirectory = "/nonexistent/flotilla-test-" + Guid.NewGuid());

        await Assert.ThrowsAsync<InvalidPortMappingException>(() => networking.AttachAsync(
            new NetworkRequest("c1", "c1", "c1", NetworkMode.Bridge, [new PortMapping(null, 80, 0)]), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidPortMappingException>(() => networking.AttachAsync(
            new NetworkRequest("c1", "c1", "c1", NetworkMode.None, [PortMapping.Parse("80")]), CancellationToken.None));
        await Assert.ThrowsAsync<NetworkingException>(() => networking.AttachAsync(
            new NetworkRequest("../escape", "c1", "c1", NetworkMode.Bridge, []), CancellationToken.None));
    }

    [Theory]
    [InlineData(null, NetworkModeKind.Bridge)]
    [InlineData("default", NetworkModeKind.Bridge)]
    [InlineData("host", NetworkModeKind.Host)]
    [InlineData("none", NetworkModeKind.None)]
    [InlineData("backend", NetworkModeKind.UserDefined)]
    public void NetworkMode_IsParsedLikeDockersNetworkFlag(string? value, NetworkModeKind kind) => Assert.Equal(kind, NetworkMode.Parse(value).Kind);

    private static IContainerNetworking Resolve(Action<NetworkingOptions> configure)
    {
        var services = new ServiceCollection().AddLogging().AddNetworking(configure).BuildServiceProvider();
        _ = services.GetRequiredService<IOptions<NetworkingOptions>>().Value;
        return services.GetRequiredService<IContainerNetworking>();
    }
}

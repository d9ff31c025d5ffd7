using Flotilla.NodeAgent.ControlPlaneLink;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

[Trait("Category", "Unit")]
public sealed class ControlPlaneLinkOptionsTests
{
    private static ValidateOptionsResult Validate(ControlPlaneLinkOptions options, string nodeId = "node-1") =>
        new ControlPlaneLinkOptionsValidator(Options.Create(new AgentOptions { NodeId = nodeId })).Validate(null, options);

    private static ControlPlaneLinkOptions Valid() => new() { Address = "http://10.0.0.5:7071", JoinToken = "secret-join-token" };

    [Fact]
    public void CompleteSettings_Pass_AndAnUppercaseHostNameIsLowered()
    {
        Assert.True(Validate(Valid()).Succeeded);
        Assert.True(Validate(Valid(), nodeId: "Build-Host-7").Succeeded);
    }

    [Fact]
    public void NoAddress_LeavesTheLinkOff()
    {
        Assert.True(Validate(new ControlPlaneLinkOptions()).Skipped);
    }

    [Theory]
    [InlineData("ftp://cp:7071", null, null, "node-1", "ControlPlane:Address")]
    [InlineData("http://cp:7071", "", null, "node-1", "exactly one of ControlPlane:JoinToken and ControlPlane:JoinTokenFile")]
    [InlineData("http://cp:7071", "t", "/etc/token", "node-1", "exactly one of")]
    [InlineData("http://cp:7071", null, "/nonexistent/flotilla/token", "node-1", "does not exist")]
    [InlineData("http://cp:7071", "t", null, "my_host", "Agent:NodeId")]
    public void BadSettings_FailSayingWhatToSet(string address, string? token, string? tokenFile, string nodeId, string expected)
    {
        var result = Validate(new ControlPlaneLinkOptions { Address = address, JoinToken = token, JoinTokenFile = tokenFile }, nodeId);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AdvertisedAddress_MustBeAnIp_AndPortRange_MustBeARange()
    {
        var options = Valid();
        options.AdvertisedAddress = "node-1.example";
        options.HostPortMin = 30000;
        options.HostPortMax = 20000;

        var result = Validate(options);

        Assert.Contains("ControlPlane:AdvertisedAddress", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("ControlPlane:HostPortMin..HostPortMax", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void PrintedOptions_NeverShowTheToken()
    {
        Assert.DoesNotContain("secret-join-token", Valid().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAnAddress_NothingIsRegistered()
    {
        var services = new ServiceCollection();
        services.AddControlPlaneLink(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ControlPlane:JoinToken"] = "t" }).Build());

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IHostedService));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(DesiredAllocations));
    }

    [Fact]
    public void WithAnAddress_TheLinkAndItsReconcilerRun()
    {
        var services = new ServiceCollection();
        services.AddControlPlaneLink(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ControlPlane:Address"] = "http://127.0.0.1:7071",
            ["ControlPlane:JoinToken"] = "t",
            ["ControlPlane:Labels:zone"] = "a",
        }).Build());
        services.AddSingleton(Options.Create(new AgentOptions { NodeId = "n1" }));

        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IHostedService)));
        using var provider = services.BuildServiceProvider();
        Assert.Equal("a", provider.GetRequiredService<IOptions<ControlPlaneLinkOptions>>().Value.Labels["zone"]);
    }
}

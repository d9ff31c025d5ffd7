using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.DockerApi;
using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>The network part of <c>POST /containers/create</c> bodies as the docker CLI sends them, and how ps/inspect show it.</summary>
[Trait("Category", "Unit")]
public sealed class CreateContainerNetworkTests
{
    [Theory]
    [InlineData(null, "bridge")]
    [InlineData("", "bridge")]
    [InlineData("default", "bridge")]
    [InlineData("bridge", "bridge")]
    [InlineData("host", "host")]
    [InlineData("none", "none")]
    public void NetworkMode_IsBridgeHostOrNone(string? mode, string expected)
    {
        var hostConfig = mode is null ? "{}" : $$"""{"NetworkMode":"{{mode}}"}""";

        Assert.Equal(expected, Parse($$"""{"Image":"web","HostConfig":{{hostConfig}}}""").NetworkMode);
    }

    [Fact]
    public void AnyOtherNetwork_IsNotFound()
    {
        var error = Assert.Throws<NetworkNotFoundException>(() => Parse("""{"Image":"web","HostConfig":{"NetworkMode":"backend"}}"""));

        Assert.StartsWith("network backend not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PortBindings_BecomePortMappings_WithAnEmptyHostPortLeftToTheAgent()
    {
        var spec = Parse("""
            {"Image":"web","HostConfig":{"PortBindings":{
              "80/tcp":[{"HostIp":"","HostPort":"8080"},{"HostIp":"127.0.0.1","HostPort":"8081"}],
              "53/udp":[{"HostIp":"0.0.0.0","HostPort":""}],
              "9000":[]}}}
            """);

        Assert.Equal(
            [
                new PortMapping(null, 8080, 80),
                new PortMapping("127.0.0.1", 8081, 80),
                new PortMapping(null, 0, 53, PortProtocol.Udp),
                new PortMapping(null, 0, 9000),
            ],
            spec.Ports);
    }

    [Fact]
    public void PublishAll_AddsEveryExposedPortOfTheBodyAndTheImage_NotYetBound()
    {
        var spec = Parse(
            """{"Image":"web","ExposedPorts":{"80/tcp":{},"9090/udp":{}},"HostConfig":{"PublishAllPorts":true,"PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}""",
            ["8000/tcp", "80/tcp"]);

        Assert.Equal([new PortMapping(null, 8080, 80), new PortMapping(null, 0, 9090, PortProtocol.Udp), new PortMapping(null, 0, 8000)], spec.Ports);
    }

    [Fact]
    public void WithoutPublishAll_TheImagesExposedPortsAreNotPublished()
    {
        var asked = false;
        var spec = CreateContainerRequest.Parse(
            JsonDocument.Parse("""{"Image":"web","ExposedPorts":{"80/tcp":{}}}""").RootElement, null, () =>
            {
                asked = true;
                return ["8000/tcp"];
            });

        Assert.Empty(spec.Ports);
        Assert.False(asked);
    }

    [Fact]
    public void HostMode_DiscardsPublishedPorts_AsDockerDoes() =>
        Assert.Empty(Parse("""{"Image":"web","HostConfig":{"NetworkMode":"host","PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}""").Ports);

    [Theory]
    [InlineData("""{"80/sctp":[{"HostPort":"8080"}]}""", "only tcp and udp")]
    [InlineData("""{"0/tcp":[{"HostPort":"8080"}]}""", "container port '0'")]
    [InlineData("""{"http/tcp":[{"HostPort":"8080"}]}""", "container port 'http'")]
    [InlineData("""{"80/tcp":[{"HostPort":"70000"}]}""", "host port '70000'")]
    [InlineData("""{"80/tcp":[{"HostPort":"8000-8010"}]}""", "range '8000-8010' is not supported")]
    [InlineData("""{"80/tcp":[{"HostIp":"::1","HostPort":"8080"}]}""", "'::1' is not an IPv4 address")]
    [InlineData("""{"80/tcp":[{"HostIp":"example.com","HostPort":"8080"}]}""", "'example.com' is not an IPv4 address")]
    public void InvalidBindings_AreRefusedNamingWhatIsWrong(string bindings, string expected)
    {
        var error = Assert.Throws<InvalidPortMappingException>(() => Parse($$$"""{"Image":"web","HostConfig":{"PortBindings":{{{bindings}}}}}"""));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PortsWithNetworkNone_AreRefused()
    {
        var error = Assert.Throws<InvalidPortMappingException>(() =>
            Parse("""{"Image":"web","HostConfig":{"NetworkMode":"none","PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}"""));

        Assert.Contains("--network none", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PsAndInspect_ShowThePublishedPortsAndAddress_WhileTheContainerRuns()
    {
        var spec = new ContainerSpec { Image = "web", NetworkMode = "bridge", Ports = [new PortMapping(null, 0, 80)] };
        var attachment = new NetworkAttachment("c1", NetworkMode.Bridge, "/run/flotilla/netns/n/c1", "bridge", "10.88.0.5", 16, "10.88.0.1",
            "02:42:0a:58:00:05", [new PublishedPort("0.0.0.0", 20001, 80, PortProtocol.Tcp)], "", "", "");
        var network = new ContainerNetworkJson("bridge", attachment);
        var running = Record(spec, ContainerState.Running);
        var exited = Record(spec, ContainerState.Exited);

        var ports = network.SummaryPorts(running).ToJsonString();
        var settings = network.InspectSettings(running);
        var bindings = ContainerNetworkJson.PortBindings(spec).ToJsonString();

        Assert.Equal("""[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":20001,"Type":"tcp"}]""", ports);
        Assert.Equal("""{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"20001"}]}""", settings["Ports"]!.ToJsonString());
        Assert.Equal("10.88.0.5", (string?)settings["IPAddress"]);
        Assert.Equal("10.88.0.1", (string?)settings["Networks"]!["bridge"]!["Gateway"]);
        Assert.Equal(16, (int?)settings["Networks"]!["bridge"]!["IPPrefixLen"]);
        Assert.Equal("""{"80/tcp":[{"HostIp":"","HostPort":""}]}""", bindings);
        Assert.Equal("[]", network.SummaryPorts(exited).ToJsonString());
        Assert.Equal("", (string?)network.InspectSettings(exited)["IPAddress"]);
    }

    [Fact]
    public void WithoutNetworking_EveryContainerIsShownOnTheHostNetwork()
    {
        var record = Record(new ContainerSpec { Image = "web", NetworkMode = "bridge" }, ContainerState.Running);

        var network = ContainerNetworkJson.Of(record, networking: null);

        Assert.Equal("host", network.Mode);
        Assert.Equal(["host"], network.SummarySettings(record)["Networks"]!.AsObject().Select(p => p.Key));
    }

    private static ContainerSpec Parse(string body, IReadOnlyList<string>? imageExposedPorts = null) =>
        CreateContainerRequest.Parse(JsonDocument.Parse(body).RootElement, null, () => imageExposedPorts ?? []);

    private static ContainerRecord Record(ContainerSpec spec, ContainerState state) =>
        new()
        {
            Id = "c1",
            Name = "web",
            Spec = spec,
            State = state,
            ImageId = "sha256:0",
            Args = ["httpd"],
            Env = [],
            WorkingDir = "/",
            User = "",
            Hostname = "c1",
            Created = DateTimeOffset.UnixEpoch,
        };
}

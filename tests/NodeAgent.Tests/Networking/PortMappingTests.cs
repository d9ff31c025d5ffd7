using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

[Trait("Category", "Unit")]
public sealed class PortMappingTests
{
    [Theory]
    [InlineData("80", null, 0, 80, PortProtocol.Tcp)]
    [InlineData("8080:80", null, 8080, 80, PortProtocol.Tcp)]
    [InlineData("8080:80/udp", null, 8080, 80, PortProtocol.Udp)]
    [InlineData("53/UDP", null, 0, 53, PortProtocol.Udp)]
    [InlineData("127.0.0.1:8080:80/tcp", "127.0.0.1", 8080, 80, PortProtocol.Tcp)]
    [InlineData("127.0.0.1::80", "127.0.0.1", 0, 80, PortProtocol.Tcp)]
    [InlineData("0.0.0.0:8080:80", null, 8080, 80, PortProtocol.Tcp)]
    public void Parse_ReadsDockerSyntax(string spec, string? hostIp, int hostPort, int containerPort, PortProtocol protocol) =>
        Assert.Equal(new PortMapping(hostIp, hostPort, containerPort, protocol), PortMapping.Parse(spec));

    [Theory]
    [InlineData("0", "container port '0'")]
    [InlineData("65536", "container port '65536'")]
    [InlineData("8080:70000", "container port '70000'")]
    [InlineData("-1:80", "host port '-1'")]
    [InlineData("http", "container port 'http'")]
    [InlineData("80/sctp", "protocol 'sctp'")]
    [InlineData("80/", "protocol ''")]
    [InlineData("localhost:8080:80", "host address 'localhost'")]
    [InlineData("::1:8080:80", "use [hostIp:]")]
    public void Parse_RefusesInvalidInput_NamingWhatIsWrong(string spec, string expected)
    {
        var error = Assert.Throws<InvalidPortMappingException>(() => PortMapping.Parse(spec));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RefusesMappingsBuiltOutsideTheParser()
    {
        Assert.Throws<InvalidPortMappingException>(() => new PortMapping(null, 0, 0).Validate());
        Assert.Throws<InvalidPortMappingException>(() => new PortMapping(null, 65536, 80).Validate());
        Assert.Throws<InvalidPortMappingException>(() => new PortMapping(null, 80, 80, (PortProtocol)7).Validate());
        Assert.Throws<InvalidPortMappingException>(() => new PortMapping("10.0.0.300", 80, 80).Validate());
        new PortMapping("10.0.0.1", 0, 80, PortProtocol.Udp).Validate();
    }

    [Fact]
    public void PublishedPort_ReportsDockersPortKey() =>
        Assert.Equal("53/udp", new PublishedPort("0.0.0.0", 20001, 53, PortProtocol.Udp).ContainerPortKey);
}

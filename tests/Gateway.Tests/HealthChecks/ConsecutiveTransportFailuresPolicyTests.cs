using Flotilla.Gateway.HealthChecks;
using Yarp.ReverseProxy.Forwarder;

namespace Flotilla.Gateway.Tests.HealthChecks;

[Trait("Category", "Unit")]
public sealed class ConsecutiveTransportFailuresPolicyTests
{
    [Theory]
    [InlineData(ForwarderError.Request, true)]
    [InlineData(ForwarderError.ResponseHeaders, true)]
    [InlineData(ForwarderError.ResponseBodyDestination, true)]
    [InlineData(ForwarderError.RequestBodyDestination, true)]
    [InlineData(ForwarderError.RequestTimedOut, false)]
    [InlineData(ForwarderError.RequestCanceled, false)]
    [InlineData(ForwarderError.ResponseBodyClient, false)]
    [InlineData(ForwarderError.RequestBodyClient, false)]
    [InlineData(ForwarderError.None, false)]
    public void OnlyFailuresOfTheReplicaCount(ForwarderError error, bool counts) =>
        Assert.Equal(counts, ConsecutiveTransportFailuresPolicy.IsDestinationFault(error));
}

using Flotilla.Gateway.Routing;

namespace Flotilla.Gateway.Tests.Routing;

[Trait("Category", "Unit")]
public sealed class ControlPlaneOptionsValidatorTests
{
    [Fact]
    public void Validate_FailsNamingTheSetting_ForABadAddressOrMissingToken()
    {
        var result = new ControlPlaneOptionsValidator().Validate(null, new ControlPlaneOptions { Address = "cp:7071", Token = "" });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("ControlPlane:Address", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("ControlPlane:Token", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AcceptsAnHttpAddressAndAToken_AndNeverPrintsTheToken()
    {
        var options = new ControlPlaneOptions { Address = "http://10.0.0.5:7071", Token = "s3cret" };

        Assert.True(new ControlPlaneOptionsValidator().Validate(null, options).Succeeded);
        Assert.DoesNotContain("s3cret", options.ToString(), StringComparison.Ordinal);
    }
}

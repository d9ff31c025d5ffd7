using Flotilla.Contracts.Specs;

namespace Flotilla.Contracts.Tests.Specs;

[Trait("Category", "Unit")]
public sealed class PlacementConstraintTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["zone"] = "a", ["disk"] = "ssd" };

    [Theory]
    [InlineData("zone == a", true)]
    [InlineData("zone==b", false)]
    [InlineData("zone != b", true)]
    [InlineData("zone in (a, b)", true)]
    [InlineData("zone notin (a)", false)]
    [InlineData("disk", true)]
    [InlineData("!gpu", true)]
    [InlineData("gpu", false)]
    public void Matches_EvaluatesAgainstLabels(string text, bool expected)
    {
        Assert.True(PlacementConstraint.TryParse(text, out var constraint));
        Assert.Equal(expected, constraint.Matches(Labels));
    }

    [Theory]
    [InlineData("zone === a")]
    [InlineData("zone ==")]
    [InlineData("== a")]
    [InlineData("zone in ()")]
    [InlineData("zone ~ a")]
    [InlineData("")]
    public void TryParse_RefusesWhatDoesNotParse(string text) => Assert.False(PlacementConstraint.TryParse(text, out _));
}

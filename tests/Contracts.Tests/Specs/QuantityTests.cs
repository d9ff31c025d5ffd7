using Flotilla.Contracts.Specs;

namespace Flotilla.Contracts.Tests.Specs;

[Trait("Category", "Unit")]
public sealed class QuantityTests
{
    [Theory]
    [InlineData("64Mi", 64L << 20)]
    [InlineData("1Gi", 1L << 30)]
    [InlineData("1.5Gi", 3L << 29)]
    [InlineData("500M", 500_000_000L)]
    [InlineData("4096", 4096L)]
    public void TryParseMemory_ReadsBinaryAndDecimalUnits(string text, long bytes)
    {
        Assert.True(Quantity.TryParseMemory(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-1Mi")]
    [InlineData("0")]
    [InlineData("12Xi")]
    [InlineData("")]
    public void TryParseMemory_RefusesWhatIsNotASize(string text) => Assert.False(Quantity.TryParseMemory(text, out _));

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("250ms", 250)]
    [InlineData("1m", 60000)]
    [InlineData("1.5h", 5400000)]
    public void TryParseDuration_ReadsUnits(string text, double milliseconds)
    {
        Assert.True(Quantity.TryParseDuration(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("5")]
    [InlineData("-1s")]
    [InlineData("0s")]
    public void TryParseDuration_RefusesWhatIsNotADuration(string text) => Assert.False(Quantity.TryParseDuration(text, out _));

    [Fact]
    public void FormatMemory_WritesBinaryUnits() => Assert.Equal("4Gi", Quantity.FormatMemory(4L << 30));
}

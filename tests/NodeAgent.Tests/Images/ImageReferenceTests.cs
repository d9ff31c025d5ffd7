using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;

namespace Flotilla.NodeAgent.Tests.Images;

[Trait(TestCategories.Name, TestCategories.Unit)]
public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", "latest", null, "busybox:latest")]
    [InlineData("localhost:5000/hello:1.0", "localhost:5000", "hello", "1.0", null, "localhost:5000/hello:1.0")]
    [InlineData("127.0.0.1:5000/team/app", "127.0.0.1:5000", "team/app", "latest", null, "127.0.0.1:5000/team/app:latest")]
    [InlineData("ghcr.io/org/tool:v2.1-rc.1", "ghcr.io", "org/tool", "v2.1-rc.1", null, "ghcr.io/org/tool:v2.1-rc.1")]
    [InlineData("user/app:2", "docker.io", "user/app", "2", null, "user/app:2")]
    public void Parse_NormalisesLikeDocker(string input, string domain, string repository, string tag, string? digest, string familiarTag)
    {
        var reference = ImageReference.Parse(input);

        Assert.Equal(domain, reference.Domain);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal(familiarTag, reference.FamiliarTag);
    }

    [Fact]
    public void Parse_DigestReference_HasNoDefaultTag()
    {
        var digest = "sha256:" + new string('a', 64);

        var reference = ImageReference.Parse($"localhost:5000/hello@{digest}");

        Assert.Null(reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal($"localhost:5000/hello@{digest}", reference.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("busybox/UPPER")]
    [InlineData("busybox:bad tag")]
    [InlineData("busybox@sha256:short")]
    [InlineData("busybox@md5:" + "0123456789abcdef0123456789abcdef")]
    [InlineData("a//b")]
    public void Parse_InvalidReference_IsRefusedWithTheRule(string input)
    {
        var valid = ImageReference.TryParse(input, out _, out var error);

        Assert.False(valid);
        Assert.Contains("invalid", error, StringComparison.Ordinal);
    }
}

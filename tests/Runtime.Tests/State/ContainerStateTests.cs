using System.Text;
using System.Text.Json;
using Flotilla.Runtime.State;

namespace Flotilla.Runtime.Tests.State;

[Trait("Category", "Unit")]
public sealed class ContainerStateTests
{
    private static ContainerState Sample(string text) => new()
    {
        Id = "c-1",
        Pid = 4242,
        PidStartTime = 18446744073709551615,
        Bundle = "/bundles/" + text,
        Rootfs = "/var/lib/flotilla/layers/" + text + "/merged",
        Created = new DateTimeOffset(2026, 11, 27, 14, 35, 1, 123, TimeSpan.FromHours(2)).AddTicks(4567),
        CgroupPaths = ["/sys/fs/cgroup/memory/flotilla/" + text, "/sys/fs/cgroup/pids/flotilla/c-1"],
        OciVersion = "1.0.2",
        Annotations = new Dictionary<string, string> { ["org.example/" + text] = text, ["empty"] = "" },
    };

    [Theory]
    [InlineData("plain")]
    [InlineData("quote\" backslash\\ slash/")]
    [InlineData("tab\tnewline\ncr\rbell\u0007nul\u0000unit\u001f")]
    [InlineData("ünïcödé ✓ 𝄞 <script>&'")]
    public void StateFile_ReadsBack_AsWritten(string text)
    {
        var state = Sample(text);
        var bytes = state.Serialize();

        // Valid JSON for any reader, not only ours.
        using (var document = JsonDocument.Parse(bytes))
        {
            Assert.Equal(state.Bundle, document.RootElement.GetProperty("bundle").GetString());
        }
        var read = ContainerState.Deserialize(bytes, "state.json");
        Assert.Equal(state.Id, read.Id);
        Assert.Equal(state.Pid, read.Pid);
        Assert.Equal(state.PidStartTime, read.PidStartTime);
        Assert.Equal(state.Bundle, read.Bundle);
        Assert.Equal(state.Rootfs, read.Rootfs);
        Assert.Equal(state.Created, read.Created);
        Assert.Equal(state.Created.Offset, read.Created.Offset);
        Assert.Equal(state.CgroupPaths, read.CgroupPaths);
        Assert.Equal(state.OciVersion, read.OciVersion);
        Assert.Equal(state.Annotations, read.Annotations);
    }

    [Fact]
    public void StateFile_WithoutAnnotations_HasNone()
    {
        var state = Sample("x") with { Annotations = null };
        var json = Encoding.UTF8.GetString(state.Serialize());
        Assert.DoesNotContain("annotations", json);
        Assert.Null(ContainerState.Deserialize(Encoding.UTF8.GetBytes(json), "state.json").Annotations);
    }
}

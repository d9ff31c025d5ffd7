using System.Text;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Tests.Spec;

[Trait("Category", "Unit")]
public sealed class SpecValidatorTests
{
    private const string Valid = """
        {"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"rootfs"},
         "linux":{"namespaces":[{"type":"mount"},{"type":"pid"}],"uidMappings":[],"gidMappings":[]}}
        """;

    private static RuntimeSpec Parse(string json) => SpecLoader.Parse(Encoding.UTF8.GetBytes(json), "config.json");

    [Fact]
    public void ValidSpec_Passes() => SpecValidator.Validate(Parse(Valid));

    [Theory]
    [InlineData("{\"type\":\"mount\"},{\"type\":\"pid\"}", "{\"type\":\"mount\"},{\"type\":\"pid\"},{\"type\":\"pid\"}", "listed twice")]
    [InlineData("{\"type\":\"mount\"},{\"type\":\"pid\"}", "{\"type\":\"pid\"}", "mount namespace is required")]
    [InlineData("{\"type\":\"mount\"},{\"type\":\"pid\"}", "{\"type\":\"mount\"},{\"type\":\"pid\",\"path\":\"relative\"}", "must be absolute")]
    [InlineData("\"cwd\":\"/\"", "\"cwd\":\"relative\"", "process.cwd")]
    [InlineData("\"args\":[\"/bin/true\"]", "\"args\":[\"/bin/true\"],\"terminal\":true", "console socket")]
    [InlineData("\"args\":[\"/bin/true\"]", "\"args\":[\"/bin/true\"],\"oomScoreAdj\":5000", "oomScoreAdj")]
    [InlineData("\"args\":[\"/bin/true\"]", "\"args\":[\"/bin/true\"],\"apparmorProfile\":\"docker-default\"", "does not apply AppArmor")]
    [InlineData("\"args\":[\"/bin/true\"]", "\"args\":[\"/bin/true\"],\"selinuxLabel\":\"system_u:system_r:container_t:s0\"", "does not apply SELinux")]
    [InlineData("\"uidMappings\":[]", "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10}]", "only allowed with a new user namespace")]
    [InlineData("\"uidMappings\":[]", "\"cgroupsPath\":\"/a/../../b\",\"uidMappings\":[]", "cgroupsPath")]
    [InlineData("\"uidMappings\":[]", "\"mountLabel\":\"system_u:object_r:container_file_t:s0\",\"uidMappings\":[]", "linux.mountLabel")]
    [InlineData("\"uidMappings\":[]", "\"resources\":{\"pids\":{\"limit\":-7}},\"uidMappings\":[]", "pids.limit")]
    [InlineData("\"uidMappings\":[]", "\"resources\":{\"cpu\":{\"shares\":1}},\"uidMappings\":[]", "cpu.shares")]
    [InlineData("\"uidMappings\":[]", "\"resources\":{\"cpu\":{\"cpus\":\"0-1;rm\"}},\"uidMappings\":[]", "cpu.cpus")]
    [InlineData("\"uidMappings\":[]", "\"sysctl\":{\"../../etc\":\"1\"},\"uidMappings\":[]", "sysctl")]
    [InlineData("\"uidMappings\":[]", "\"devices\":[{\"path\":\"/etc/passwd\",\"type\":\"c\",\"major\":1,\"minor\":3}],\"uidMappings\":[]", "under /dev")]
    public void InvalidField_IsNamedInTheError(string from, string to, string message)
    {
        var spec = Parse(Valid.Replace(from, to, StringComparison.Ordinal));

        var error = Assert.Throws<RuntimeException>(() => SpecValidator.Validate(spec));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("config.json: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NewUserNamespace_NeedsMappings()
    {
        var spec = Parse(Valid.Replace("{\"type\":\"pid\"}", "{\"type\":\"pid\"},{\"type\":\"user\"}", StringComparison.Ordinal));

        var error = Assert.Throws<RuntimeException>(() => SpecValidator.Validate(spec));

        Assert.Contains("uidMappings and gidMappings", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadJson_SaysWhere()
    {
        var error = Assert.Throws<RuntimeException>(() => Parse("{\"process\": [1, 2,"));

        Assert.Contains("not a valid OCI runtime config", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeRootfs_MayNotLeaveTheBundle()
    {
        var bundle = Path.Combine(Path.GetTempPath(), "bundle-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<RuntimeException>(() => SpecLoader.ResolveRootfs(bundle, "../../etc"));

        Assert.Contains("leads outside the bundle", error.Message, StringComparison.Ordinal);
    }
}

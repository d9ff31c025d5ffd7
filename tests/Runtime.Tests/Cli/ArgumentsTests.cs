using Flotilla.Runtime.Cli;
using Flotilla.Runtime.Linux;

namespace Flotilla.Runtime.Tests.Cli;

[Trait("Category", "Unit")]
public sealed class ArgumentsTests
{
    [Fact]
    public void AgentStyleCreate_IsUnderstood()
    {
        var args = Arguments.Parse(["--root", "/run/r", "create", "--bundle", "/b", "--pid-file=/p", "c1"]);

        Assert.Equal("create", args.Command);
        Assert.Equal("/run/r", args.Flag("root"));
        Assert.Equal("/b", args.Flag("bundle"));
        Assert.Equal("/p", args.Flag("pid-file"));
        Assert.Equal("c1", args.Id("create"));
    }

    [Fact]
    public void Exec_TakesTheCommandAfterTheId()
    {
        var args = Arguments.Parse(["exec", "-e", "A=1", "--env", "B=2", "c1", "sh", "-c", "echo --not-a-flag"]);

        Assert.Equal("c1", args.Id("exec"));
        Assert.Equal(["sh", "-c", "echo --not-a-flag"], args.Rest);
        Assert.Equal(["A=1", "B=2"], args.All("env"));
    }

    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGTERM", 15)]
    [InlineData("usr1", 10)]
    [InlineData("2", 2)]
    public void Signals_ParseByNameOrNumber(string text, int number) => Assert.Equal(number, Signals.Parse(text));

    [Fact]
    public void UnknownSignal_IsRefused() => Assert.Throws<RuntimeException>(() => Signals.Parse("SIGNOPE"));

    [Fact]
    public void MountOptions_SplitIntoFlagsAndData()
    {
        var options = MountOptions.Parse(["rbind", "ro", "nosuid", "rslave", "size=1m", "mode=755"], "none");

        Assert.True(options.Bind);
        Assert.True(options.Recursive);
        Assert.Equal(Native.Sys.MS_RDONLY | Native.Sys.MS_NOSUID, options.Flags);
        Assert.Equal([Native.Sys.MS_SLAVE | Native.Sys.MS_REC], options.PropagationFlags);
        Assert.Equal("size=1m,mode=755", options.Data);
    }
}

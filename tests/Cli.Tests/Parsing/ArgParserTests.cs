using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Tests.Parsing;

[Trait("Category", "Unit")]
public sealed class ArgParserTests
{
    private static readonly CommandSpec Run = new("run", "", "IMAGE [COMMAND...]", 1, CommandSpec.Unbounded,
    [
        OptionSpec.Flag("detach", 'd', ""),
        OptionSpec.Flag("rm", null, ""),
        OptionSpec.Many("env", 'e', "KEY=VALUE", ""),
        OptionSpec.Value("name", null, "NAME", ""),
        OptionSpec.Flag("all", 'a', ""),
        OptionSpec.Flag("quiet", 'q', ""),
        OptionSpec.Flag("help", 'h', ""),
    ], StopAtFirstArgument: true);

    [Fact]
    public void EveryFormOfAnOption_IsRead()
    {
        var parsed = ArgParser.Parse(Run, ["-d", "--name=web", "-eA=1", "-e", "B=2", "--env", "C=3", "--rm", "busybox"]);

        Assert.True(parsed.Flag("detach"));
        Assert.True(parsed.Flag("rm"));
        Assert.Equal("web", parsed.Value("name"));
        Assert.Equal(["A=1", "B=2", "C=3"], parsed.Values("env"));
        Assert.Equal(["busybox"], parsed.Arguments);
    }

    [Fact]
    public void ClusteredFlags_AreEachSet()
    {
        var parsed = ArgParser.Parse(Run, ["-aq", "img"]);

        Assert.True(parsed.Flag("all"));
        Assert.True(parsed.Flag("quiet"));
        Assert.False(parsed.Flag("detach"));
    }

    [Fact]
    public void AfterTheImage_EverythingBelongsToTheCommand()
    {
        var parsed = ArgParser.Parse(Run, ["--rm", "busybox", "sh", "-c", "echo --name -d"]);

        Assert.Equal(["busybox", "sh", "-c", "echo --name -d"], parsed.Arguments);
        Assert.Null(parsed.Value("name"));
    }

    [Fact]
    public void DoubleDash_EndsTheOptions()
    {
        var spec = Run with { StopAtFirstArgument = false };

        Assert.Equal(["-d", "x"], ArgParser.Parse(spec, ["--", "-d", "x"]).Arguments);
    }

    [Fact]
    public void FlagsTakeExplicitBooleans()
    {
        Assert.False(ArgParser.Parse(Run, ["--rm=false", "img"]).Flag("rm"));
        Assert.True(ArgParser.Parse(Run, ["--rm=true", "img"]).Flag("rm"));
        Assert.Contains("use true or false", Assert.Throws<UsageException>(() => ArgParser.Parse(Run, ["--rm=maybe", "img"])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--nope", "img" }, "unknown flag: --nope")]
    [InlineData(new[] { "-z", "img" }, "unknown shorthand flag: 'z' in -z")]
    [InlineData(new[] { "--name" }, "flag needs an argument: --name")]
    [InlineData(new[] { "--name", "a", "--name", "b", "img" }, "--name is given more than once")]
    [InlineData(new string[0], "\"run\" requires at least 1 argument")]
    public void Mistakes_AreUsageErrorsNamingTheProblem(string[] args, string message)
    {
        var error = Assert.Throws<UsageException>(() => ArgParser.Parse(Run, args));

        Assert.Equal(message, error.Message[..message.Length]);
        Assert.Equal("run", error.Command);
    }

    [Fact]
    public void TooManyArguments_AreRefused()
    {
        var ps = new CommandSpec("ps", "", "", 0, 0, []);

        Assert.Equal("\"ps\" accepts no arguments (got \"extra\")", Assert.Throws<UsageException>(() => ArgParser.Parse(ps, ["extra"])).Message);
    }

    [Fact]
    public void Help_SkipsTheArgumentCountCheck()
    {
        Assert.True(ArgParser.Parse(Run, ["--help"]).Flag("help"));
    }

    [Fact]
    public void Numbers_AreCheckedWhenRead()
    {
        var spec = new CommandSpec("logs", "", "", 0, 0, [OptionSpec.Value("tail", 'n', "N", "")]);

        Assert.Equal(5, ArgParser.Parse(spec, ["-n", "5"]).Int("tail", min: 0));
        Assert.Throws<UsageException>(() => ArgParser.Parse(spec, ["-n", "five"]).Int("tail"));
        Assert.Throws<UsageException>(() => ArgParser.Parse(spec, ["-n", "-1"]).Int("tail", min: 0));
    }
}

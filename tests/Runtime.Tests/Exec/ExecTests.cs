using Flotilla.Runtime.Tests.Conformance;
using Flotilla.Runtime.Tests.Lifecycle;
using Flotilla.Runtime.Tests.Support;

namespace Flotilla.Runtime.Tests.Exec;

/// <summary><c>exec</c> into a running container, compared with <c>runc exec</c> on the same bundle.</summary>
[Trait("Category", "Integration")]
public sealed class ExecTests
{
    private const string Probe =
        "hostname; id; grep -E '^Cap(Eff|Bnd)|^NoNewPrivs' /proc/self/status; cat /proc/1/comm; " +
        "[ $$ -ne 1 ] && echo not-pid-1; ls /sys/class/net; pwd; echo $FROM_EXEC; ls /proc/self/fd | wc -l; exit 5";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Exec_JoinsTheContainerLikeRunc(bool userNamespace)
    {
        await using var bundle = await TestBundle.CreateAsync();
        if (userNamespace)
        {
            await ConformanceCases.All.Single(c => c.Name == "user-namespace-mappings").Configure(bundle);
        }
        bundle.SetArgs("/bin/sleep", "60");
        bundle.Process["cwd"] = "/tmp";
        bundle.Save();

        var outputs = new List<ProcessResult>();
        foreach (var kind in new[] { RuntimeKind.Runc, RuntimeKind.Flotilla })
        {
            var cli = bundle.Cli(kind);
            var id = bundle.NewId(kind);
            var run = await cli.RunAsync("run", "--detach", "--bundle", bundle.Dir, id);
            Assert.True(run.ExitCode == 0, run.ToString());
            await LifecycleTests.WaitForStatusAsync(cli, id, "running");

            var exec = await cli.RunAsync("exec", "--env", "FROM_EXEC=yes", id, "/bin/sh", "-c", Probe);
            outputs.Add(exec);
            Assert.Equal(0, (await cli.RunAsync("delete", "--force", id)).ExitCode);
        }

        var (runc, flotilla) = (outputs[0], outputs[1]);
        Assert.True(runc.ExitCode == 5, runc.ToString());
        Assert.Contains("not-pid-1", runc.Stdout, StringComparison.Ordinal);
        Assert.Contains("sleep", runc.Stdout, StringComparison.Ordinal);
        Assert.True(flotilla.ExitCode == 5, flotilla.ToString());
        Assert.Equal(runc.Stdout, flotilla.Stdout);
        Assert.Empty(bundle.LeftoverCgroups());
    }

    [Fact]
    public async Task ExecWithProcessFile_RunsThatProcessLikeRunc()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.SetArgs("/bin/sleep", "60");
        bundle.Save();
        var processFile = Path.Combine(bundle.Dir, "exec-process.json");
        await File.WriteAllTextAsync(processFile, """
            {"args": ["/bin/sh", "-c", "pwd; id -u; echo $FROM_FILE; exit 3"], "env": ["PATH=/bin", "FROM_FILE=yes"],
             "cwd": "/tmp", "user": {"uid": 1000, "gid": 1000}}
            """);

        var outputs = new List<ProcessResult>();
        foreach (var kind in new[] { RuntimeKind.Runc, RuntimeKind.Flotilla })
        {
            var cli = bundle.Cli(kind);
            var id = bundle.NewId(kind);
            Assert.Equal(0, (await cli.RunAsync("run", "--detach", "--bundle", bundle.Dir, id)).ExitCode);
            await LifecycleTests.WaitForStatusAsync(cli, id, "running");
            outputs.Add(await cli.RunAsync("exec", "--process", processFile, id));
            Assert.Equal(0, (await cli.RunAsync("delete", "--force", id)).ExitCode);
        }

        var (runc, flotilla) = (outputs[0], outputs[1]);
        Assert.True(runc.ExitCode == 3, runc.ToString());
        Assert.Equal("/tmp\n1000\nyes\n", runc.Stdout);
        Assert.True(flotilla.ExitCode == 3, flotilla.ToString());
        Assert.Equal(runc.Stdout, flotilla.Stdout);
    }

    [Fact]
    public async Task Exec_RefusesACwdThroughAMagicLink()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.SetArgs("/bin/sleep", "60");
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        Assert.Equal(0, (await cli.RunAsync("run", "--detach", "--bundle", bundle.Dir, id)).ExitCode);

        var exec = await cli.RunAsync("exec", "--cwd", "/proc/self/fd/3", id, "/bin/pwd");

        Assert.NotEqual(0, exec.ExitCode);
        Assert.Contains("refusing", exec.Stderr, StringComparison.Ordinal);
        Assert.Equal("", exec.Stdout);
    }
}

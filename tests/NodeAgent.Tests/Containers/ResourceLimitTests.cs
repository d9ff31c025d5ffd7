using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Metrics;
using Flotilla.NodeAgent.State;
using Flotilla.NodeAgent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Tests.Containers;

/// <summary>Memory, pids and CPU limits enforced by the kernel through the container's cgroup, once per OCI runtime.</summary>
[Trait("Category", "Integration")]
public abstract class ResourceLimitTests(string runtime) : AgentTests(runtime)
{
    private const long Mebibyte = 1024 * 1024;

    [Fact]
    public async Task MemoryLimit_OomKillsTheContainer_AndInspectSaysSo()
    {
        await RunAsync(Spec("hog", "sh", "-c", "echo start; head -c 400m /dev/zero | tail") with { Memory = 32 * Mebibyte });

        Assert.Equal(137, await Engine.WaitAsync("hog", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
        var hog = Engine.Get("hog");
        Assert.Equal(ContainerState.Exited, hog.State);
        Assert.True(hog.OomKilled);
        var inspect = (await Agent.DockerAsync("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}", "hog")).EnsureSuccess();
        Assert.Equal($"true 137 {32 * Mebibyte}", inspect.StandardOutput.Trim());

        // A container that merely exits with 137 was not OOM killed.
        await RunAsync(Spec("plain", "sh", "-c", "exit 137") with { Memory = 32 * Mebibyte });
        Assert.Equal(137, await Engine.WaitAsync("plain", null, CancellationToken.None));
        Assert.False(Engine.Get("plain").OomKilled);
    }

    [Fact]
    public async Task PidsLimit_StopsForks_InsideTheContainerOnly()
    {
        // Room for the exec itself: runc's exec joins the cgroup as a Go process whose threads count
        // as tasks until it execs the shell (with a limit of 4 its thread creation failed at times).
        const int limit = 12;
        var record = await RunAsync(Spec("capped", "sleep", "60") with { PidsLimit = limit });

        var (exitCode, output) = await ExecWithCodeAsync("capped", "sh", "-c", "for i in $(seq 16); do sleep 30 & done; wait");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("can't fork", output, StringComparison.Ordinal);
        var stats = Stats(record.Id);
        Assert.Equal((ulong)limit, stats.PidsLimit);
        Assert.True(stats.Pids <= limit, $"{stats.Pids} processes under a limit of {limit}");
        Assert.Equal(ContainerState.Running, Engine.Get("capped").State);
        Assert.False(Engine.Get("capped").OomKilled);
    }

    [Fact]
    public async Task CpuAndMemoryLimits_AreWrittenToTheCgroup()
    {
        var record = await RunAsync(Spec("limited", "sleep", "60") with { Memory = 48 * Mebibyte, NanoCpus = 500_000_000 });

        Assert.Equal((ulong)(48 * Mebibyte), Stats(record.Id).MemoryLimitBytes);
        var cgroup = Agent.Services.GetRequiredService<CgroupReader>().IsUnified
            ? await ExecAsync("limited", "cat", "/sys/fs/cgroup/cpu.max")
            : await ExecAsync("limited", "sh", "-c", "echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)");
        Assert.Equal("50000 100000", cgroup.Trim());
    }

    private ContainerStats Stats(string id)
    {
        var options = Agent.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
        return Agent.Services.GetRequiredService<CgroupReader>().Read(CgroupsHook.CgroupPath(options, id))
            ?? throw new InvalidOperationException($"no cgroup for container {id}");
    }

    public sealed class OnRunc() : ResourceLimitTests(TestRuntimes.Runc);

    public sealed class OnFlotillaRuntime() : ResourceLimitTests(TestRuntimes.Flotilla);
}

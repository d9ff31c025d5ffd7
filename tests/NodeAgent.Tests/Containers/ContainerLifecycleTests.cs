using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Tests.Support;

namespace Flotilla.NodeAgent.Tests.Containers;

/// <summary>Lifecycle, writable layer, process settings and run-option checks, once per OCI runtime.</summary>
[Trait("Category", "Integration")]
public abstract class ContainerLifecycleTests(string runtime) : AgentTests(runtime)
{
    [Fact]
    public async Task WritableLayer_SurvivesStopStart_IsPrivate_AndGoesWithRemove()
    {
        var writer = await RunAsync(Spec("writer", "sh", "-c", "echo data > /note; echo ready; sleep 60"));
        var other = await RunAsync(Spec("other", "sleep", "60"));
        await WaitForAsync(() => File.Exists(Path.Combine(Engine.PathsOf(writer.Id).Upper, "note")), "writer's /note in its upper layer");

        await Engine.StopAsync("writer", TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(ContainerState.Exited, Engine.Get("writer").State);
        await Engine.StartAsync("writer", CancellationToken.None);
        Assert.Equal("data\n", await ExecAsync("writer", "cat", "/note"));
        Assert.NotEqual(0, (await ExecWithCodeAsync("other", "cat", "/note")).ExitCode);

        // The image's layers are shared and read-only: nothing written reached them.
        var image = Agent.Images.Find(AgentFixture.Image)!;
        Assert.All(Agent.Images.GetLayerDirectories(image), layer => Assert.False(File.Exists(Path.Combine(layer, "note"))));

        await Engine.RemoveAsync("writer", force: true, CancellationToken.None);
        Assert.False(Directory.Exists(Engine.PathsOf(writer.Id).Directory));
        Assert.Throws<ContainerNotFoundException>(() => Engine.Get("writer"));
        Assert.Equal(ContainerState.Running, Engine.Get(other.Id).State);

        await RunAsync(Spec("writer", "sleep", "60"));
        Assert.NotEqual(0, (await ExecWithCodeAsync("writer", "cat", "/note")).ExitCode);
    }

    [Fact]
    public async Task AutoRemoveContainer_WritesToAVolatileLayer_AndIsGoneOnceItExits()
    {
        var kept = await RunAsync(Spec("kept", "sh", "-c", "echo data > /note; sleep 60"));
        var transient = await RunAsync(Spec("transient", "sh", "-c", "echo data > /note; sleep 60") with { AutoRemove = true });
        var transientPaths = Engine.PathsOf(transient.Id);
        await WaitForAsync(() => File.Exists(Path.Combine(transientPaths.Upper, "note")), "transient's /note in its upper layer");

        // Only the layer that is thrown away at exit skips the overlay's syncs.
        Assert.DoesNotContain("volatile", OverlayOptions(Engine.PathsOf(kept.Id).Rootfs));
        Assert.Contains("volatile", OverlayOptions(transientPaths.Rootfs));

        var removed = Engine.WaitAsync(transient.Id, "removed", CancellationToken.None);
        await Engine.KillAsync("transient", "KILL", CancellationToken.None);
        await removed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Throws<ContainerNotFoundException>(() => Engine.Get("transient"));
        Assert.False(Directory.Exists(transientPaths.Directory));
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), line => line.Contains(transient.Id, StringComparison.Ordinal));

        // Its directory went to the trash and is deleted in the background.
        await Engine.TrashEmptied.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Agent.StateDirectory, "trash")));
        Assert.Equal(ContainerState.Running, Engine.Get("kept").State);
    }

    /// <summary>The super-block options of the overlay mounted at <paramref name="target"/> (after mountinfo's " - fstype source ").</summary>
    private static string OverlayOptions(string target)
    {
        var line = File.ReadLines("/proc/self/mountinfo").Single(l => l.Split(' ')[4] == target);
        return line[(line.IndexOf(" - ", StringComparison.Ordinal) + 3)..].Split(' ')[2];
    }

    [Fact]
    public async Task InvalidTransitions_AreTypedErrorsThatSayWhatToDo()
    {
        await RunAsync(Spec("web1", "sleep", "60"));

        var remove = await Assert.ThrowsAsync<InvalidContainerStateException>(() => Engine.RemoveAsync("web1", force: false, CancellationToken.None));
        Assert.Equal("container web1 is running: stop it first or use force", remove.Message);
        await Assert.ThrowsAsync<InvalidContainerStateException>(() => Engine.StartAsync("web1", CancellationToken.None));
        Assert.Equal(ContainerState.Running, Engine.Get("web1").State);
    }

    [Fact]
    public async Task UserWorkingDirectoryAndEnvironment_ReachTheProcess()
    {
        var spec = Spec("who", "sh", "-c", "id -u; id -g; pwd; echo \"$GREETING|$HOSTNAME|$PATH\"") with
        {
            User = "nobody",
            WorkingDir = "/srv/app",
            Hostname = "box1",
            Env = ["GREETING=hi", "PATH=/bin"],
        };
        await RunAsync(spec);
        Assert.Equal(0, await Engine.WaitAsync("who", null, CancellationToken.None));

        var lines = await ReadLogsAsync("who", new LogReadOptions());
        Assert.Equal(["stdout:65534", "stdout:65534", "stdout:/srv/app", "stdout:hi|box1|/bin"], lines);

        var numeric = Spec("numeric", "sh", "-c", "id -u; id -g") with { User = "1234:4321" };
        await RunAsync(numeric);
        Assert.Equal(0, await Engine.WaitAsync("numeric", null, CancellationToken.None));
        Assert.Equal(["stdout:1234", "stdout:4321"], await ReadLogsAsync("numeric", new LogReadOptions()));

        await Engine.CreateAsync(Spec("ghost", "true") with { User = "nosuchuser" }, CancellationToken.None);
        var error = await Assert.ThrowsAsync<InvalidRunOptionsException>(() => Engine.StartAsync("ghost", CancellationToken.None));
        Assert.Contains("unable to find user nosuchuser", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlyRootfs_RefusesWrites_ButVolumesAndTmpfsStayWritable()
    {
        var spec = Spec("ro", "sleep", "60") with
        {
            ReadOnlyRootfs = true,
            Mounts = [new MountSpec(MountKind.Volume, "scratch", "/data"), new MountSpec(MountKind.Tmpfs, "", "/run/tmp")],
        };
        var record = await RunAsync(spec);

        var (code, output) = await ExecWithCodeAsync("ro", "touch", "/file");
        Assert.NotEqual(0, code);
        Assert.Contains("Read-only file system", output, StringComparison.Ordinal);
        await ExecAsync("ro", "sh", "-c", "echo v > /data/v && echo t > /run/tmp/t");
        Assert.Equal("v\nt\n", await ExecAsync("ro", "cat", "/data/v", "/run/tmp/t"));
        Assert.False(File.Exists(Path.Combine(Engine.PathsOf(record.Id).Upper, "file")));
    }

    [Fact]
    public async Task Wait_ReturnsTheExitCode_ForNextExit_AndForAnExitedContainerAtOnce()
    {
        await Engine.CreateAsync(Spec("short", "sh", "-c", "sleep 0.5; exit 5"), CancellationToken.None);
        var nextExit = Engine.WaitAsync("short", "next-exit", CancellationToken.None);
        await Engine.StartAsync("short", CancellationToken.None);

        Assert.Equal(5, await nextExit.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(5, await Engine.WaitAsync("short", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(1)));
        var removed = Engine.WaitAsync("short", "removed", CancellationToken.None);
        Assert.False(removed.IsCompleted);
        await Engine.RemoveAsync("short", force: false, CancellationToken.None);
        Assert.Equal(5, await removed.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task BadRunOptions_AreRejected_AndCreateNothing()
    {
        await Engine.CreateAsync(Spec("taken", "true"), CancellationToken.None);
        var before = Directory.GetDirectories(Path.Combine(Agent.StateDirectory, "containers")).Length;

        await Assert.ThrowsAsync<InvalidRunOptionsException>(() => Engine.CreateAsync(Spec("neg", "true") with { Memory = -1 }, CancellationToken.None));
        Assert.Throws<InvalidRunOptionsException>(() => RestartPolicy.Parse("sometimes"));
        await Assert.ThrowsAsync<NameConflictException>(() => Engine.CreateAsync(Spec("taken", "true"), CancellationToken.None));
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Engine.CreateAsync(Spec("noimage", "true") with { Image = "nothing:here" }, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidRunOptionsException>(() => Engine.CreateAsync(Spec("badbind", "true") with { Mounts = [new MountSpec(MountKind.Bind, "/does/not/exist", "/data")] }, CancellationToken.None));

        Assert.Single(Engine.List());
        Assert.Equal(before, Directory.GetDirectories(Path.Combine(Agent.StateDirectory, "containers")).Length);
        Assert.Empty(Agent.Volumes.List());
    }

    [Fact]
    public async Task NamedVolume_OutlivesItsContainer()
    {
        var volume = new MountSpec(MountKind.Volume, "keep", "/data");
        await RunAsync(Spec("first", "sh", "-c", "echo kept > /data/file") with { Mounts = [volume] });
        Assert.Equal(0, await Engine.WaitAsync("first", null, CancellationToken.None));
        await Engine.RemoveAsync("first", force: false, CancellationToken.None);

        await RunAsync(Spec("second", "cat", "/data/file") with { Mounts = [volume] });
        Assert.Equal(0, await Engine.WaitAsync("second", null, CancellationToken.None));
        Assert.Equal(["stdout:kept"], await ReadLogsAsync("second", new LogReadOptions()));
        Assert.NotNull(Agent.Volumes.Find("keep"));
    }

    public sealed class OnRunc() : ContainerLifecycleTests(TestRuntimes.Runc);

    public sealed class OnFlotillaRuntime() : ContainerLifecycleTests(TestRuntimes.Flotilla);
}

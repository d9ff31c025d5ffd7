using System.Text.Json.Nodes;
using Flotilla.Runtime.Tests.Support;

namespace Flotilla.Runtime.Tests.Safety;

/// <summary>The runtime's defences: each names the attack it stops.</summary>
[Trait("Category", "Integration")]
public sealed class SafetyTests
{
    [Fact]
    public async Task RuntimeBinary_IsNotReachableThroughProcSelfExe()
    {
        // CVE-2019-5736: while a created container waits for start, its /proc/<pid>/exe must not be the
        // host binary (a container process could reopen it for writing once we exit).
        await using var bundle = await TestBundle.CreateAsync();
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        var pidFile = Path.Combine(bundle.Dir, "pid");
        Assert.Equal(0, (await cli.RunAsync("create", "--bundle", bundle.Dir, "--pid-file", pidFile, id)).ExitCode);
        var pid = File.ReadAllText(pidFile).Trim();

        // It is the exec trampoline: a sealed memfd, which nothing can write to or reach by a host path.
        Assert.ThrowsAny<IOException>(() => new FileStream($"/proc/{pid}/exe", FileMode.Open, FileAccess.Write).Dispose());
        var binary = Path.GetFullPath(RuntimeBinaries.Flotilla);
        var target = new FileInfo($"/proc/{pid}/exe").LinkTarget;
        Assert.NotEqual(binary, target);
        Assert.StartsWith("/memfd:", target, StringComparison.Ordinal);
        Assert.True(IsWriteSealed($"/proc/{pid}/exe"), "the trampoline's memfd is not sealed against writes");
        Assert.DoesNotContain(binary, File.ReadAllText("/proc/self/mountinfo"), StringComparison.Ordinal);
        // The binary on the host stays writable for its owner: only the container's view is sealed.
        Assert.True(new FileInfo(RuntimeBinaries.Flotilla).Length > 0);
    }

    [Fact]
    public async Task ProgramWithProcSelfExeAsInterpreter_NeverRunsTheRuntime()
    {
        // The CVE-2019-5736 exploit: an image whose program is "#!/proc/self/exe". Exec'd from a copy of
        // the runtime, the kernel would run the runtime's host binary (here: print its version).
        await using var bundle = await TestBundle.CreateAsync();
        File.WriteAllText(Path.Combine(bundle.Rootfs, "evil"), "#!/proc/self/exe --version\n");
        File.SetUnixFileMode(Path.Combine(bundle.Rootfs, "evil"), (UnixFileMode)0x1ed);
        bundle.SetArgs("/evil");

        var result = await bundle.RunAsync(RuntimeKind.Flotilla);

        Assert.DoesNotContain("version", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(127, result.ExitCode);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);

    private static bool IsWriteSealed(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var seals = Fcntl((int)file.DangerousGetHandle(), 1034 /* F_GET_SEALS */, 0);
        Assert.True(seals >= 0, "F_GET_SEALS failed");
        return (seals & 8 /* F_SEAL_WRITE */) != 0;
    }

    [Fact]
    public async Task ContainerProcess_HasOnlyStdioDescriptors()
    {
        // CVE-2024-21626: no descriptor of the runtime (state files, sockets, memfd, namespaces) or of its
        // caller (the test host leaves inheritable fds open) reaches the container. PID 1 is a sleep
        // whose descriptors a second process lists.
        await using var bundle = await TestBundle.CreateAsync();
        bundle.Shell("exec sleep 30");
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        var pidFile = Path.Combine(bundle.Dir, "pid");
        Assert.Equal(0, (await cli.RunAsync("run", "--detach", "--pid-file", pidFile, "--bundle", bundle.Dir, id)).ExitCode);
        var pid = File.ReadAllText(pidFile).Trim();

        var fds = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(Path.GetFileName).Order().ToList();

        Assert.Equal(["0", "1", "2"], fds);
    }

    [Theory]
    [InlineData("/proc/self/fd/3")]
    [InlineData("/proc/self/fd/4")]
    [InlineData("/proc/1/cwd")]
    public async Task Cwd_ThroughAMagicLink_IsRefused(string cwd)
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.Shell("pwd; ls");
        bundle.Process["cwd"] = cwd;

        var result = await bundle.RunAsync(RuntimeKind.Flotilla);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("refusing", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
        Assert.Empty(bundle.LeftoverCgroups());
        Assert.Empty(Directory.GetDirectories(bundle.Cli(RuntimeKind.Flotilla).StateRoot));
    }

    [Fact]
    public async Task Cwd_SymlinkClimbingOutOfTheRoot_IsRefused()
    {
        await using var bundle = await TestBundle.CreateAsync();
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "escape"), "../../../../../../../../tmp");
        bundle.Shell("pwd");
        bundle.Process["cwd"] = "/escape";

        var result = await bundle.RunAsync(RuntimeKind.Flotilla);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("outside the container's root", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(bundle.LeftoverCgroups());
    }

    [Fact]
    public async Task Cwd_AbsoluteSymlink_ResolvesInsideTheContainer()
    {
        await using var bundle = await TestBundle.CreateAsync();
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "etc-link"), "/etc");
        bundle.Shell("pwd; cat passwd | head -n 1");
        bundle.Process["cwd"] = "/etc-link";

        var result = await bundle.RunAsync(RuntimeKind.Flotilla);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("root:x:0:0:root:/root:/bin/sh", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MountTarget_SymlinkPointingOutside_NeverMountsOnTheHost(bool relative)
    {
        await using var bundle = await TestBundle.CreateAsync();
        var hostTarget = Path.Combine(bundle.Dir, "host-target");
        Directory.CreateDirectory(hostTarget);
        File.WriteAllText(Path.Combine(hostTarget, "marker"), "host");
        // A symlink in the image aimed at a host directory: mounting on it must stay inside the rootfs.
        var link = relative ? "../../../../../../../../.." + hostTarget : hostTarget;
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "evil"), link);
        bundle.Spec["mounts"]!.AsArray().Add(SpecBuilder.Mount("/evil", "tmpfs", "tmpfs", "size=1m"));
        bundle.Shell($"touch /evil/from-container; ls {hostTarget}");

        var result = await bundle.RunAsync(RuntimeKind.Flotilla);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("from-container", result.Stdout.Trim());
        Assert.Equal(["marker"], Directory.GetFiles(hostTarget).Select(Path.GetFileName));
        Assert.DoesNotContain(hostTarget, File.ReadAllText("/proc/self/mountinfo"), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> HostileConfigs() => new()
    {
        { "not json {", "not a valid OCI runtime config" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"},{"type":"time-travel"}]}}""", "\"time-travel\" is not a namespace type" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"../../../../etc"},"linux":{"namespaces":[{"type":"mount"}]}}""", "leads outside the bundle" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"}],"resources":{"memory":{"limit":-5}}}}""", "memory.limit" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"}],"resources":{"cpu":{"period":5}}}}""", "cpu.period" },
        { """{"ociVersion":"1.0.2","process":{"args":[],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"}]}}""", "process.args" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/","capabilities":{"bounding":["CAP_EVERYTHING"]}},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"}]}}""", "CAP_EVERYTHING" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"},{"type":"user"}]}}""", "uidMappings" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","soft":10,"hard":5}]},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"}]}}""", "soft limit" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"}],"seccomp":{"defaultAction":"SCMP_ACT_EXPLODE"}}}""", "SCMP_ACT_EXPLODE" },
        { """{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/","user":{"uid":-1,"gid":0}},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"mount"}]}}""", "process.user.uid" },
    };

    [Theory]
    [MemberData(nameof(HostileConfigs))]
    public async Task HostileConfig_IsRefusedWithNothingLeftBehind(string config, string message)
    {
        await using var bundle = await TestBundle.CreateAsync();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        // Same cgroup path as the rest of the test's containers, so leftovers would show.
        config = config.Replace("\"linux\":{", $"\"linux\":{{\"cgroupsPath\":\"{bundle.CgroupPath}\",", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(bundle.Dir, "config.json"), config);
        // Only mounts the runtime could have made count: other test assemblies mount elsewhere meanwhile.
        string[] Ours() => [.. File.ReadLines("/proc/self/mountinfo").Where(line =>
            line.Contains(bundle.Dir, StringComparison.Ordinal) || line.Contains(cli.StateRoot, StringComparison.Ordinal))];
        var mountsBefore = Ours();

        var result = await cli.RunAsync("create", "--bundle", bundle.Dir, id);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(cli.StateRoot, id)));
        Assert.Empty(bundle.LeftoverCgroups());
        Assert.Equal(mountsBefore, Ours());
    }

    [Fact]
    public async Task FailureInsideTheContainer_LeavesNoCgroupOrState()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.SetArgs("/bin/does-not-exist");
        bundle.Spec.Resources()["pids"] = new JsonObject { ["limit"] = 10 };
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);

        var result = await cli.RunAsync("create", "--bundle", bundle.Dir, id);
        // The missing program is found at create time (runc reports it then too).
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("/bin/does-not-exist", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(cli.StateRoot, id)));
        Assert.Empty(bundle.LeftoverCgroups());
    }
}

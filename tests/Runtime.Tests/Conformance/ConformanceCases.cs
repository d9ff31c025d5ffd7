using System.Text.Json.Nodes;
using Flotilla.Runtime.Tests.Support;
using Flotilla.TestSupport.Rootfs;

namespace Flotilla.Runtime.Tests.Conformance;

/// <summary>The bundles both runtimes run; each case says what the container must see.</summary>
public static class ConformanceCases
{
    private static Task Script(TestBundle bundle, string script)
    {
        bundle.Shell(script);
        return Task.CompletedTask;
    }

    private static Func<TestBundle, Task> Sh(string script) => b => Script(b, script);

    private static Func<TestBundle, Task> Sh(string script, Action<TestBundle> more) => b =>
    {
        more(b);
        return Script(b, script);
    };

    private static Func<TestBundle, Task> Sh(string script, Func<TestBundle, Task> more) => async b =>
    {
        await more(b);
        await Script(b, script);
    };

    private static void Out(ProcessResult r, string expected)
    {
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected, r.Stdout.Trim());
    }

    private static readonly string UserNsMaps = "0 100000 65536";

    /// <summary>
    /// Drops the cgroup v1 hierarchies runc gives every container but flotilla-runtime only creates when
    /// the container uses them (freezer, blkio, name=systemd, ...: nothing limits or reads them).
    /// </summary>
    private static string CgroupsBothCreate(string mountTable) => string.Join('\n', mountTable.Split('\n').Where(line =>
        !line.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal) ||
        line.Split(' ')[0]["/sys/fs/cgroup/".Length..] is "memory" or "cpu" or "cpuacct" or "pids" or "devices"));

    private static async Task UserNamespace(TestBundle b)
    {
        var linux = b.Spec.Linux();
        linux["namespaces"]!.AsArray().Add(SpecBuilder.Ns("user"));
        linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        await BusyboxRootfs.ChownAsync(b.Rootfs, 100000, 100000);
    }

    public static readonly IReadOnlyList<ConformanceCase> All =
    [
        new("hostname", Sh("hostname"), r => Out(r, "box")),
        new("root-identity", Sh("id"), r => Out(r, "uid=0(root) gid=0(root)")),
        new("user-and-groups", Sh("id -u; id -g; id -G", b =>
        {
            b.Process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000, ["additionalGids"] = new JsonArray(10, 20) };
        }), r => Out(r, "1000\n1000\n1000 10 20")),
        new("docker-default-capabilities", Sh("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status"),
            r => Out(r, "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000")),
        new("ambient-capability-for-non-root", Sh("grep -E '^Cap(Eff|Amb)' /proc/self/status", b =>
        {
            b.Process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000 };
            string[] caps = ["CAP_NET_BIND_SERVICE"];
            b.Process["capabilities"] = new JsonObject
            {
                ["bounding"] = SpecBuilder.Array(caps), ["effective"] = SpecBuilder.Array(caps), ["permitted"] = SpecBuilder.Array(caps),
                ["inheritable"] = SpecBuilder.Array(caps), ["ambient"] = SpecBuilder.Array(caps),
            };
        }), r => Out(r, "CapEff:\t0000000000000400\nCapAmb:\t0000000000000400")),
        new("no-new-privileges", Sh("grep NoNewPrivs /proc/self/status"), r => Out(r, "NoNewPrivs:\t1")),
        new("pid-one", Sh("cat /proc/1/comm; echo $$"), r => Out(r, "sh\n1")),
        new("only-loopback-interface", Sh("ls /sys/class/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"), r => Out(r, "lo\nlo")),
        new("mount-table", Sh("sed 's/ - /|/' /proc/self/mountinfo | awk -F'|' '{ split($1, a, \" \"); split($2, b, \" \"); print a[5], b[1] }' | sort"), r =>
        {
            Assert.Equal(0, r.ExitCode);
            foreach (var expected in new[] { "/ ", "/proc proc", "/dev tmpfs", "/dev/pts devpts", "/dev/shm tmpfs", "/dev/mqueue mqueue", "/sys sysfs", "/sys/fs/cgroup tmpfs", "/sys/fs/cgroup/memory cgroup" })
            {
                Assert.Contains(expected, r.Stdout, StringComparison.Ordinal);
            }
        }, CgroupsBothCreate),
        new("read-only-sys-and-proc-paths", Sh("grep -E ' /(sys|proc/sys|proc/bus|proc/fs|proc/irq) ' /proc/self/mountinfo | awk '{print $5, substr($6,1,2)}' | sort"),
            r => Out(r, "/proc/bus ro\n/proc/fs ro\n/proc/irq ro\n/proc/sys ro\n/sys ro")),
        new("masked-paths", Sh("for f in /proc/kcore /proc/keys /proc/timer_list; do echo \"$f $(cat $f 2>/dev/null | wc -c)\"; done; echo \"/sys/firmware $(ls -A /sys/firmware | wc -l)\""),
            r => Out(r, "/proc/kcore 0\n/proc/keys 0\n/proc/timer_list 0\n/sys/firmware 0")),
        new("proc-sys-not-writable", Sh("echo evil > /proc/sys/kernel/domainname 2>/dev/null; echo $?"), r => Out(r, "1")),
        new("dev-nodes", Sh("ls /dev | sort | tr '\\n' ' '; echo; for d in null zero full random urandom tty; do stat -c '%n %F %t:%T %a' /dev/$d; done"), r =>
        {
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("/dev/null character special file 1:3 666", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("/dev/urandom character special file 1:9 666", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("/dev/tty character special file 5:0 666", r.Stdout, StringComparison.Ordinal);
        }),
        new("dev-null-usable", Sh("echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c"), r => Out(r, "4\n8")),
        new("readonly-root", Sh("touch /newfile 2>/dev/null; echo $?; touch /tmp/ok 2>/dev/null; echo $?", b =>
        {
            b.Spec["root"]!["readonly"] = true;
            b.Spec["mounts"]!.AsArray().Add(SpecBuilder.Mount("/tmp", "tmpfs", "tmpfs", "nosuid", "nodev"));
        }), r => Out(r, "1\n0")),
        new("environment", Sh("echo $GREETING; echo $HOME; echo $PATH", b =>
        {
            b.Process["env"] = SpecBuilder.Array("PATH=/bin:/usr/bin", "GREETING=hello world");
        }), r => Out(r, "hello world\n/root\n/bin:/usr/bin")),
        new("cwd-created", Sh("pwd", b => b.Process["cwd"] = "/work/dir"), r => Out(r, "/work/dir")),
        new("umask", Sh("umask", b => b.Process["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0, ["umask"] = 63 }), r => Out(r, "0077")),
        new("rlimits", Sh("ulimit -n; ulimit -Hn; ulimit -Sc", b =>
        {
            b.Process["rlimits"] = new JsonArray(
                new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 512, ["soft"] = 256 },
                new JsonObject { ["type"] = "RLIMIT_CORE", ["hard"] = 0, ["soft"] = 0 });
        }), r => Out(r, "256\n512\n0")),
        new("oom-score-adj", Sh("cat /proc/self/oom_score_adj", b => b.Process["oomScoreAdj"] = 500), r => Out(r, "500")),
        new("exit-code", Sh("exit 42"), r => Assert.Equal(42, r.ExitCode)),
        new("child-killed-by-signal", Sh("sleep 30 & kill -9 $!; wait $!; echo $?"), r => Out(r, "137")),
        new("memory-limit-oom-kill", Sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes; head -c 200m /dev/zero | tail > /dev/null 2>&1; echo $?", b =>
        {
            b.Spec.Resources()["memory"] = new JsonObject { ["limit"] = 16 << 20, ["swap"] = 16 << 20 };
        }), r => Out(r, "16777216\n137"), s => string.Join('\n', s.Split('\n').Where(l => l.Trim() is not ("Killed" or ""))).Trim()),
        // A fork failure is fatal to busybox sh, so the bomb runs in a child shell and PID 1 reads the
        // cgroup files with builtins only (it cannot fork while the bomb's sleeps hold every pid).
        new("pids-limit-contains-fork-bomb", Sh("read max < /sys/fs/cgroup/pids/pids.max; echo $max; sh -c 'for i in $(seq 60); do sleep 2 & done' 2>/dev/null; " +
            "read current < /sys/fs/cgroup/pids/pids.current; read ev < /sys/fs/cgroup/pids/pids.events; [ $current -le 20 ] && [ \"$ev\" != 'max 0' ] && echo contained", b =>
        {
            b.Spec.Resources()["pids"] = new JsonObject { ["limit"] = 20 };
        }), r => Out(r, "20\ncontained"), s => string.Join('\n', s.Split('\n').Where(l => !l.Contains("fork", StringComparison.Ordinal))).Trim()),
        new("cpu-quota-and-shares", Sh("cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares", b =>
        {
            b.Spec.Resources()["cpu"] = new JsonObject { ["quota"] = 50000, ["period"] = 100000, ["shares"] = 512 };
        }), r => Out(r, "50000\n100000\n512")),
        new("cpuset", Sh("cat /sys/fs/cgroup/cpuset/cpuset.cpus", b =>
        {
            b.Spec.Resources()["cpu"] = new JsonObject { ["cpus"] = "0" };
        }), r => Out(r, "0")),
        new("cgroup-namespace-rooted-at-the-container", Sh("cut -d: -f3 /proc/self/cgroup | sort -u", b =>
        {
            b.Spec.Linux()["namespaces"]!.AsArray().Add(SpecBuilder.Ns("cgroup"));
        }), r => Out(r, "/")),
        new("cgroup-namespace-with-user-namespace", Sh("cut -d: -f3 /proc/self/cgroup | sort -u", async b =>
        {
            await UserNamespace(b);
            b.Spec.Linux()["namespaces"]!.AsArray().Add(SpecBuilder.Ns("cgroup"));
        }), r => Out(r, "/")),
        new("user-namespace-mappings", Sh("cat /proc/self/uid_map /proc/self/gid_map | awk '{print $1, $2, $3}'; id -u", UserNamespace),
            r => Out(r, $"{UserNsMaps}\n{UserNsMaps}\n0")),
        new("user-namespace-root-is-unprivileged-on-host", Sh("grep CapEff /proc/self/status; touch /owned && stat -c '%u' /owned", UserNamespace),
            r => Out(r, "CapEff:\t00000000a80425fb\n0")),
        new("seccomp-errno-rule", Sh("mkdir /tmp/blocked 2>/dev/null; echo $?; touch /tmp/allowed; echo $?", b =>
        {
            b.Spec.Linux()["seccomp"] = new JsonObject
            {
                ["defaultAction"] = "SCMP_ACT_ALLOW",
                ["architectures"] = SpecBuilder.Array("SCMP_ARCH_X86_64"),
                ["syscalls"] = new JsonArray(new JsonObject { ["names"] = SpecBuilder.Array("mkdir", "mkdirat"), ["action"] = "SCMP_ACT_ERRNO", ["errnoRet"] = 1 }),
            };
        }), r => Out(r, "1\n0")),
        new("seccomp-argument-rule", Sh("kill -0 1 2>/dev/null; echo $?; kill -CONT 1; echo $?", b =>
        {
            // kill(pid, sig): refuse only signal 0, the "does it exist" probe.
            b.Spec.Linux()["seccomp"] = new JsonObject
            {
                ["defaultAction"] = "SCMP_ACT_ALLOW",
                ["syscalls"] = new JsonArray(new JsonObject
                {
                    ["names"] = SpecBuilder.Array("kill"),
                    ["action"] = "SCMP_ACT_ERRNO",
                    ["args"] = new JsonArray(new JsonObject { ["index"] = 1, ["value"] = 0, ["op"] = "SCMP_CMP_EQ" }),
                }),
            };
        }), r => Out(r, "1\n0")),
        new("sysctl-in-network-namespace", Sh("cat /proc/sys/net/ipv4/ip_forward", b =>
        {
            b.Spec.Linux()["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1" };
        }), r => Out(r, "1")),
        new("read-only-bind-mount", Sh("cat /data/hello.txt; touch /data/x 2>/dev/null; echo $?", b =>
        {
            var source = Path.Combine(b.Dir, "data");
            Directory.CreateDirectory(source);
            File.WriteAllText(Path.Combine(source, "hello.txt"), "from the host\n");
            b.Spec["mounts"]!.AsArray().Add(SpecBuilder.Mount("/data", "bind", source, "rbind", "ro"));
        }), r => Out(r, "from the host\n1")),
        new("tmpfs-mount-options", Sh("grep ' /scratch ' /proc/self/mountinfo | awk '{print $9, $6}' | cut -d, -f1", b =>
        {
            b.Spec["mounts"]!.AsArray().Add(SpecBuilder.Mount("/scratch", "tmpfs", "tmpfs", "nosuid", "nodev", "noexec", "size=1m"));
        }), r => Out(r, "tmpfs rw")),
        new("ipc-namespace-is-private", Sh("cat /proc/sysvipc/shm | wc -l"), r => Out(r, "1")),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in All)
        {
            data.Add(c.Name);
        }
        return data;
    }
}

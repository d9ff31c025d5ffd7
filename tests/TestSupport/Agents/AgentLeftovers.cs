using System.Globalization;
using Flotilla.TestSupport.Processes;

namespace Flotilla.TestSupport.Agents;

/// <summary>
/// Removes what an agent leaves when it could not clean up itself (it was killed, or the test failed
/// mid-way): containers the runtime still knows, the agent's cgroups, mounts under its directories,
/// and the directories.
/// </summary>
internal static class AgentLeftovers
{
    public static async Task RemoveAsync(string runtimePath, string runtimeRoot, string nodeId, IReadOnlyList<string> directories)
    {
        if (Directory.Exists(runtimeRoot))
        {
            foreach (var container in Directory.GetDirectories(runtimeRoot))
            {
                await ProcessRunner.RunAsync(runtimePath, ["--root", runtimeRoot, "delete", "--force", Path.GetFileName(container)], timeout: TimeSpan.FromSeconds(30));
            }
        }

        await RemoveCgroupsAsync(nodeId);
        // An agent removes its eBPF fast-path pins with its last published port; one stopped before that leaves them.
        var pins = Path.Combine(AgentProcess.FastPathPinRoot, nodeId);
        if (Directory.Exists(pins))
        {
            Directory.Delete(pins, recursive: true);
        }

        await UnmountUnderAsync(directories);
        foreach (var directory in directories)
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>
    /// Removes an agent's bridge, its nftables table (named after the bridge) and the iptables FORWARD rules it adds
    /// where the policy is DROP (commented <c>flotilla &lt;bridge&gt;</c>) from the test's own namespace.
    /// </summary>
    public static async Task RemoveBridgeAsync(string bridge)
    {
        var table = "flotilla_" + new string([.. bridge.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        await ProcessRunner.RunAsync("nft", ["-f", "-"], $"add table ip {table}\ndelete table ip {table}\n");
        foreach (var direction in new[] { "-i", "-o" })
        {
            string[] rule = ["FORWARD", direction, bridge, "-m", "comment", "--comment", $"flotilla {bridge}", "-j", "ACCEPT"];
            while ((await ProcessRunner.RunAsync("iptables", ["-w", "-C", .. rule])).Succeeded)
            {
                await ProcessRunner.RunCheckedAsync("iptables", ["-w", "-D", .. rule]);
            }
        }

        if ((await ProcessRunner.RunAsync("ip", ["link", "show", "dev", bridge])).Succeeded)
        {
            await ProcessRunner.RunAsync("ip", ["link", "delete", "dev", bridge]);
        }
    }

    private static async Task RemoveCgroupsAsync(string nodeId)
    {
        var hierarchies = Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [];
        foreach (var hierarchy in hierarchies)
        {
            var parent = Path.Combine(hierarchy, "flotilla", nodeId);
            if (!Directory.Exists(parent))
            {
                continue;
            }

            // Deepest first: a cgroup can only be removed once it has no children and no processes.
            foreach (var cgroup in Directory.GetDirectories(parent, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(parent))
            {
                await KillMembersAsync(cgroup);
                try
                {
                    Directory.Delete(cgroup);
                }
                catch (IOException)
                {
                    // Still busy (a process exiting); the next test run's sweep or a reboot gets it.
                }
            }
        }
    }

    private static async Task KillMembersAsync(string cgroup)
    {
        var procs = Path.Combine(cgroup, "cgroup.procs");
        for (var attempt = 0; attempt < 50 && File.Exists(procs); attempt++)
        {
            var pids = (await File.ReadAllLinesAsync(procs)).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
            if (pids.Count == 0)
            {
                return;
            }

            foreach (var pid in pids)
            {
                ProcessState.Kill(pid);
            }

            await Task.Delay(50);
        }
    }

    private static async Task UnmountUnderAsync(IReadOnlyList<string> directories)
    {
        var mountPoints = (await File.ReadAllLinesAsync("/proc/self/mountinfo"))
            .Select(line => Unescape(line.Split(' ')[4]))
            .Where(point => directories.Any(d => point == d || point.StartsWith(d + "/", StringComparison.Ordinal)))
            .OrderByDescending(point => point.Length)
            .ToList();
        foreach (var point in mountPoints)
        {
            await ProcessRunner.RunAsync("umount", ["-l", point]);
        }
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}

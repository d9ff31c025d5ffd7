using System.Globalization;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Fleet;

/// <summary>
/// Everything a fleet could leave on the machine, looked up the way an operator would (<c>ip</c>,
/// <c>iptables</c>, <c>nft</c>, mountinfo, the cgroup file systems, <c>/proc</c>), each as one line.
/// </summary>
internal static class FleetLeftovers
{
    public static async Task<IReadOnlyList<string>> FindAsync(FleetScript fleet, FleetDescription description)
    {
        var left = new List<string>();
        var runDirectory = $"/run/flotilla-fleet/{fleet.Name}";

        var namespaces = await OutputAsync("ip", "netns", "list");
        left.AddRange(Lines(namespaces).Where(l => l.Contains(fleet.Name, StringComparison.Ordinal)).Select(l => $"netns {l}"));

        var links = await OutputAsync("ip", "-o", "link", "show");
        left.AddRange(Lines(links)
            .Where(l => l.Contains($"flotilla-fleet:{fleet.Name}", StringComparison.Ordinal) || l.Contains($"flbr{description.SubnetIndex}:", StringComparison.Ordinal))
            .Select(l => $"link {l}"));

        var addresses = await OutputAsync("ip", "-o", "addr", "show", "to", $"{description.SubnetPrefix}.0/24");
        left.AddRange(Lines(addresses).Select(l => $"address {l}"));

        var rules = await OutputAsync("iptables", "-w", "-S");
        left.AddRange(Lines(rules).Where(l => l.Contains(fleet.Name, StringComparison.Ordinal)).Select(l => $"iptables {l}"));

        var tables = await OutputAsync("nft", "list", "tables");
        left.AddRange(Lines(tables).Where(l => l.Contains($"flotilla_flc{description.SubnetIndex}h", StringComparison.Ordinal)).Select(l => $"nft {l}"));

        var mounts = await File.ReadAllLinesAsync("/proc/self/mountinfo");
        left.AddRange(mounts
            .Select(l => l.Split(' ')[4])
            .Where(p => p.StartsWith(fleet.Directory, StringComparison.Ordinal) || p.StartsWith(runDirectory, StringComparison.Ordinal) || p.Contains(fleet.Name, StringComparison.Ordinal))
            .Select(p => $"mount {p}"));

        left.AddRange(CgroupDirectories(description).Select(d => $"cgroup {d}"));
        left.AddRange(Processes(fleet.Name).Select(p => $"process {p}"));
        left.AddRange(new[] { fleet.Directory, runDirectory }.Where(Directory.Exists).Select(d => $"directory {d}"));
        if (UnheldLockFile(description.SubnetIndex) is { } lockFile)
        {
            left.Add($"lock file {lockFile}");
        }

        return left;
    }

    private static IEnumerable<string> CgroupDirectories(FleetDescription description)
    {
        var roots = Directory.GetDirectories("/sys/fs/cgroup").Append("/sys/fs/cgroup");
        return roots
            .SelectMany(root => description.Hosts.Select(host => Path.Combine(root, "flotilla", host.NodeId)))
            .Where(Directory.Exists);
    }

    /// <summary>Every live process carrying the mark fleet.sh gives what it starts (FLOTILLA_FLEET=name).</summary>
    public static IEnumerable<int> MarkedProcessIds(string name) =>
        LiveProcesses().Where(p => p.Marks.Contains($"FLOTILLA_FLEET={name}")).Select(p => p.Pid);

    // A process is the fleet's when it carries the fleet's mark or names the fleet on its command line.
    private static IEnumerable<string> Processes(string name) =>
        LiveProcesses()
            .Where(p => p.Marks.Contains($"FLOTILLA_FLEET={name}") || p.CommandLine.Contains(name, StringComparison.Ordinal))
            .Select(p => $"{p.Pid.ToString(CultureInfo.InvariantCulture)} {p.CommandLine}");

    private static IEnumerable<(int Pid, string CommandLine, IReadOnlySet<string> Marks)> LiveProcesses()
    {
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string commandLine;
            string environment;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Trim();
                environment = File.ReadAllText(Path.Combine(directory, "environ"));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                continue; // exited while we looked
            }

            if (commandLine.Length > 0)
            {
                yield return (pid, commandLine, environment.Split('\0').Where(v => v.StartsWith("FLOTILLA_FLEET=", StringComparison.Ordinal)).ToHashSet());
            }
        }
    }

    // The lease's lock file may exist again only because another run claimed the same /24 since: a
    // file nobody holds is ours, left behind.
    private static string? UnheldLockFile(int index)
    {
        var path = $"/run/flotilla-tests/netns/{index.ToString(CultureInfo.InvariantCulture)}.lock";
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return path;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<string> OutputAsync(string fileName, params string[] arguments) =>
        (await ProcessRunner.RunCheckedAsync(fileName, arguments)).StandardOutput;

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

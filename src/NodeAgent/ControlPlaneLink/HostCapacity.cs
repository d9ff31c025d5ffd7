using System.Globalization;
using Flotilla.Contracts.Agent;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>What this host offers the scheduler: configured values, or the host's own where they are 0.</summary>
public static class HostCapacity
{
    public static NodeCapacity Resolve(ControlPlaneLinkOptions options, string procRoot = "/proc")
    {
        ArgumentNullException.ThrowIfNull(options);
        return new NodeCapacity
        {
            MilliCpu = options.MilliCpu > 0 ? options.MilliCpu : Environment.ProcessorCount * 1000L,
            MemoryBytes = options.MemoryBytes > 0 ? options.MemoryBytes : ReadMemTotal(Path.Combine(procRoot, "meminfo")),
            Pids = options.Pids > 0 ? options.Pids : ReadPidMax(Path.Combine(procRoot, "sys/kernel/pid_max")),
        };
    }

    /// <summary>MemTotal from a /proc/meminfo text, in bytes.</summary>
    public static long ParseMemTotal(string meminfo)
    {
        ArgumentNullException.ThrowIfNull(meminfo);
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 1 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kibibytes))
            {
                return kibibytes * 1024;
            }
        }

        throw new FormatException("meminfo has no MemTotal line; set ControlPlane:MemoryBytes");
    }

    private static long ReadMemTotal(string path) => ParseMemTotal(File.ReadAllText(path));

    private static long ReadPidMax(string path) =>
        File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pids) && pids > 0
            ? pids
            : 32768;
}

using System.Globalization;

namespace Flotilla.NodeAgent.Metrics;

/// <summary>Reads a container's usage from its cgroup: v1 hierarchies (hybrid hosts) or the v2 unified tree.</summary>
public sealed class CgroupReader(TimeProvider time, string root = "/sys/fs/cgroup")
{
    private const ulong UnlimitedV1 = 1UL << 62;
    private static readonly ulong TickNanoseconds = 10_000_000;

    public bool IsUnified { get; } = File.Exists(Path.Combine(root, "cgroup.controllers"));

    /// <summary>The stats of cgroup <paramref name="path"/> (e.g. <c>/flotilla/node/id</c>), or null when it does not exist.</summary>
    public ContainerStats? Read(string path)
    {
        var relative = path.TrimStart('/');
        try
        {
            return IsUnified ? ReadUnified(Path.Combine(root, relative)) : ReadHierarchies(relative);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The number of OOM kills in the cgroup; 0 when unknown.</summary>
    public long ReadOomKills(string path)
    {
        var relative = path.TrimStart('/');
        var file = IsUnified ? Path.Combine(root, relative, "memory.events") : Path.Combine(root, "memory", relative, "memory.oom_control");
        return File.Exists(file) ? (long)(ReadKeyed(file).GetValueOrDefault("oom_kill")) : 0;
    }

    private ContainerStats? ReadHierarchies(string relative)
    {
        var memory = Path.Combine(root, "memory", relative);
        var cpu = Path.Combine(root, "cpuacct", relative);
        var pids = Path.Combine(root, "pids", relative);
        if (!Directory.Exists(memory))
        {
            return null;
        }

        var memoryStat = ReadKeyed(Path.Combine(memory, "memory.stat"));
        var usage = ReadNumber(Path.Combine(memory, "memory.usage_in_bytes")) ?? 0;
        var inactiveFile = memoryStat.GetValueOrDefault("total_inactive_file");
        var limit = ReadNumber(Path.Combine(memory, "memory.limit_in_bytes"));
        var cpuStat = File.Exists(Path.Combine(cpu, "cpuacct.stat")) ? ReadKeyed(Path.Combine(cpu, "cpuacct.stat")) : [];
        var oom = File.Exists(Path.Combine(memory, "memory.oom_control")) ? ReadKeyed(Path.Combine(memory, "memory.oom_control")) : [];
        return new ContainerStats(
            time.GetUtcNow(),
            ReadNumber(Path.Combine(cpu, "cpuacct.usage")) ?? 0,
            cpuStat.GetValueOrDefault("user") * TickNanoseconds,
            cpuStat.GetValueOrDefault("system") * TickNanoseconds,
            usage,
            usage > inactiveFile ? usage - inactiveFile : 0,
            memoryStat.GetValueOrDefault("total_cache"),
            memoryStat.GetValueOrDefault("total_rss"),
            limit is null or >= UnlimitedV1 ? null : limit,
            ReadNumber(Path.Combine(memory, "memory.max_usage_in_bytes")) ?? usage,
            oom.GetValueOrDefault("oom_kill"),
            ReadNumber(Path.Combine(pids, "pids.current")) ?? 0,
            ReadNumber(Path.Combine(pids, "pids.max")));
    }

    private ContainerStats? ReadUnified(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        var cpuStat = ReadKeyed(Path.Combine(directory, "cpu.stat"));
        var memoryStat = File.Exists(Path.Combine(directory, "memory.stat")) ? ReadKeyed(Path.Combine(directory, "memory.stat")) : [];
        var events = File.Exists(Path.Combine(directory, "memory.events")) ? ReadKeyed(Path.Combine(directory, "memory.events")) : [];
        var usage = ReadNumber(Path.Combine(directory, "memory.current")) ?? 0;
        var inactiveFile = memoryStat.GetValueOrDefault("inactive_file");
        return new ContainerStats(
            time.GetUtcNow(),
            cpuStat.GetValueOrDefault("usage_usec") * 1000,
            cpuStat.GetValueOrDefault("user_usec") * 1000,
            cpuStat.GetValueOrDefault("system_usec") * 1000,
            usage,
            usage > inactiveFile ? usage - inactiveFile : 0,
            memoryStat.GetValueOrDefault("file"),
            memoryStat.GetValueOrDefault("anon"),
            ReadNumber(Path.Combine(directory, "memory.max")),
            ReadNumber(Path.Combine(directory, "memory.peak")) ?? usage,
            events.GetValueOrDefault("oom_kill"),
            ReadNumber(Path.Combine(directory, "pids.current")) ?? 0,
            ReadNumber(Path.Combine(directory, "pids.max")));
    }

    /// <summary>A single-number file; null when missing or "max".</summary>
    private static ulong? ReadNumber(string file)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        var text = File.ReadAllText(file).Trim();
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>A "key value" per line file (memory.stat, cpu.stat, ...).</summary>
    private static Dictionary<string, ulong> ReadKeyed(string file)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                values[parts[0]] = value;
            }
        }

        return values;
    }
}

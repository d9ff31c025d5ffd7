using System.Text.Json;
using Flotilla.Cli.Output;

namespace Flotilla.Cli.Commands;

/// <summary>One row of <c>stats</c>, computed from a Docker stats reading the way docker computes it.</summary>
internal sealed record StatsSample(string Id, string Name, double CpuPercent, long MemoryUsage, long MemoryLimit, long Pids)
{
    public double MemoryPercent => MemoryLimit > 0 ? 100.0 * MemoryUsage / MemoryLimit : 0;

    /// <summary>CPU % = container CPU time delta / host CPU time delta × online CPUs × 100; memory excludes inactive file cache.</summary>
    public static StatsSample From(JsonElement reading)
    {
        var cpu = reading.Obj("cpu_stats");
        var previous = reading.Obj("precpu_stats");
        var cpuDelta = cpu.Obj("cpu_usage").Double("total_usage") - previous.Obj("cpu_usage").Double("total_usage");
        var systemDelta = cpu.Double("system_cpu_usage") - previous.Double("system_cpu_usage");
        var cpus = cpu.Long("online_cpus") is > 0 and var online ? online : 1;
        var cpuPercent = previous.Double("system_cpu_usage") > 0 && systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * cpus * 100 : 0;
        var memory = reading.Obj("memory_stats");
        var usage = memory.Long("usage") - memory.Obj("stats").Long("total_inactive_file");
        return new StatsSample(reading.Str("id"), reading.Str("name").TrimStart('/'), cpuPercent, Math.Max(usage, 0), memory.Long("limit"), reading.Obj("pids_stats").Long("current"));
    }

    public static void WriteTable(TextWriter output, IEnumerable<StatsSample> samples)
    {
        var table = new Table("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS");
        foreach (var s in samples)
        {
            table.Add(Formats.ShortId(s.Id), s.Name, Formats.Number(s.CpuPercent, "0.00") + "%",
                $"{Formats.Memory(s.MemoryUsage)} / {Formats.Memory(s.MemoryLimit)}", Formats.Number(s.MemoryPercent, "0.00") + "%",
                s.Pids.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        table.WriteTo(output);
    }

    public static void WriteJson(TextWriter output, IEnumerable<StatsSample> samples) => JsonOutput.Write(output, w =>
    {
        w.WriteStartArray();
        foreach (var s in samples)
        {
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteString("name", s.Name);
            w.WriteNumber("cpuPercent", Math.Round(s.CpuPercent, 2));
            w.WriteNumber("memoryUsageBytes", s.MemoryUsage);
            w.WriteNumber("memoryLimitBytes", s.MemoryLimit);
            w.WriteNumber("memoryPercent", Math.Round(s.MemoryPercent, 2));
            w.WriteNumber("pids", s.Pids);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });
}

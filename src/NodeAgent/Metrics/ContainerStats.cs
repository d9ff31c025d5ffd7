namespace Flotilla.NodeAgent.Metrics;

/// <summary>One reading of a container's cgroup.</summary>
public sealed record ContainerStats(
    DateTimeOffset Read,
    ulong CpuUsageNanoseconds,
    ulong CpuUserNanoseconds,
    ulong CpuSystemNanoseconds,
    ulong MemoryUsageBytes,
    ulong MemoryWorkingSetBytes,
    ulong MemoryCacheBytes,
    ulong MemoryRssBytes,
    ulong? MemoryLimitBytes,
    ulong MemoryMaxUsageBytes,
    ulong OomKills,
    ulong Pids,
    ulong? PidsLimit);

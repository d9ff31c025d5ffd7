namespace Flotilla.Contracts.Specs;

/// <summary>A validated spec's resources in the units the scheduler adds up: millicores, bytes, pids.</summary>
public readonly record struct ResourceRequest(long MilliCpu, long MemoryBytes, long Pids)
{
    /// <summary>The request of a spec that passed <see cref="WorkloadSpecValidator"/>, defaults filled in.</summary>
    public static ResourceRequest From(ResourceSpec? spec)
    {
        var cpu = spec?.Cpu ?? WorkloadDefaults.Cpu;
        var memory = spec?.Memory is { } text && Quantity.TryParseMemory(text, out var bytes) ? bytes : WorkloadDefaults.MemoryBytes;
        return new ResourceRequest((long)Math.Ceiling(cpu * 1000), memory, spec?.Pids ?? WorkloadDefaults.Pids);
    }

    public static ResourceRequest operator +(ResourceRequest a, ResourceRequest b) =>
        new(a.MilliCpu + b.MilliCpu, a.MemoryBytes + b.MemoryBytes, a.Pids + b.Pids);

    public static ResourceRequest operator -(ResourceRequest a, ResourceRequest b) =>
        new(a.MilliCpu - b.MilliCpu, a.MemoryBytes - b.MemoryBytes, a.Pids - b.Pids);

    public static ResourceRequest Add(ResourceRequest a, ResourceRequest b) => a + b;

    public static ResourceRequest Subtract(ResourceRequest a, ResourceRequest b) => a - b;

    /// <summary>True when every dimension of <paramref name="request"/> fits into this much.</summary>
    public bool Covers(ResourceRequest request) =>
        MilliCpu >= request.MilliCpu && MemoryBytes >= request.MemoryBytes && Pids >= request.Pids;
}

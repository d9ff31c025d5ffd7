namespace Flotilla.Runtime.Spec;

internal sealed record LinuxSpec
{
    public IReadOnlyList<NamespaceSpec>? Namespaces { get; init; }
    public IReadOnlyList<IdMappingSpec>? UidMappings { get; init; }
    public IReadOnlyList<IdMappingSpec>? GidMappings { get; init; }
    public IReadOnlyList<DeviceSpec>? Devices { get; init; }
    public string? CgroupsPath { get; init; }
    public ResourcesSpec? Resources { get; init; }
    public string? RootfsPropagation { get; init; }
    public SeccompSpec? Seccomp { get; init; }
    public IReadOnlyDictionary<string, string>? Sysctl { get; init; }
    public IReadOnlyList<string>? MaskedPaths { get; init; }
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }
    public string? MountLabel { get; init; }
}

internal sealed record NamespaceSpec
{
    public string Type { get; init; } = "";
    public string? Path { get; init; }
}

internal sealed record IdMappingSpec
{
    public long ContainerId { get; init; }
    public long HostId { get; init; }
    public long Size { get; init; }
}

internal sealed record DeviceSpec
{
    public string Path { get; init; } = "";
    public string Type { get; init; } = "";
    public long Major { get; init; }
    public long Minor { get; init; }
    public int? FileMode { get; init; }
    public long? Uid { get; init; }
    public long? Gid { get; init; }
}

internal sealed record ResourcesSpec
{
    public MemorySpec? Memory { get; init; }
    public CpuSpec? Cpu { get; init; }
    public PidsSpec? Pids { get; init; }
    public IReadOnlyList<DeviceRuleSpec>? Devices { get; init; }
}

internal sealed record MemorySpec
{
    public long? Limit { get; init; }
    public long? Reservation { get; init; }
    public long? Swap { get; init; }
    public long? Swappiness { get; init; }
    public bool? DisableOomKiller { get; init; }
}

internal sealed record CpuSpec
{
    public ulong? Shares { get; init; }
    public long? Quota { get; init; }
    public ulong? Period { get; init; }
    public string? Cpus { get; init; }
    public string? Mems { get; init; }
}

internal sealed record PidsSpec
{
    public long Limit { get; init; }
}

internal sealed record DeviceRuleSpec
{
    public bool Allow { get; init; }
    public string? Type { get; init; }
    public long? Major { get; init; }
    public long? Minor { get; init; }
    public string? Access { get; init; }
}

internal sealed record SeccompSpec
{
    public string DefaultAction { get; init; } = "";
    public int? DefaultErrnoRet { get; init; }
    public IReadOnlyList<string>? Architectures { get; init; }
    public IReadOnlyList<string>? Flags { get; init; }
    public IReadOnlyList<SeccompRuleSpec>? Syscalls { get; init; }
}

internal sealed record SeccompRuleSpec
{
    public IReadOnlyList<string>? Names { get; init; }
    public string Action { get; init; } = "";
    public int? ErrnoRet { get; init; }
    public IReadOnlyList<SeccompArgSpec>? Args { get; init; }
}

internal sealed record SeccompArgSpec
{
    public uint Index { get; init; }
    public ulong Value { get; init; }
    public ulong ValueTwo { get; init; }
    public string Op { get; init; } = "";
}

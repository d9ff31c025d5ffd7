using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Launch;

/// <summary>What the parent hands the in-container init stage over the sync socket.</summary>
internal sealed record InitPlan
{
    public required RuntimeSpec Spec { get; init; }
    public required string Rootfs { get; init; }
    /// <summary>Exec fifo to wait on before the user process starts; null means start at once (run).</summary>
    public string? FifoPath { get; init; }
    /// <summary>True when the container has its own user namespace (no mknod, device nodes are bind-mounted).</summary>
    public bool InUserNamespace { get; init; }
    /// <summary>The container's cgroup directories, bind-mounted under /sys/fs/cgroup//// <summary>Host cgroup v1 hierarchies (mount point, subsystems option) for a /sys/fs/cgroup mount.</summary>lt;name/// <summary>Host cgroup v1 hierarchies (mount point, subsystems option) for a /sys/fs/cgroup mount.</summary>gt; for a cgroup mount.</summary>
    public IReadOnlyList<CgroupMountPoint> CgroupMounts { get; init; } = [];
}

internal sealed record CgroupMountPoint(string Name, string HostDir, bool IsV2);

namespace Flotilla.Runtime.Linux;

/// <summary>A container cgroup directory on the host, bound under the container's cgroup mount as <see cref="Name"/>.</summary>
internal sealed record CgroupMountPoint(string Name, string HostDir, bool IsV2);

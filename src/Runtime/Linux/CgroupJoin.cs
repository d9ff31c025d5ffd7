namespace Flotilla.Runtime.Linux;

/// <summary>
/// How a freshly cloned child enters its container's cgroup without a move by pid. Moving another
/// process (writing its pid to cgroup.procs) takes the kernel's global threadgroup lock for writing,
/// which waits out an RCU grace period: 5-50 ms per start on a busy host. A single-threaded process
/// moving itself (writing "0" to a v1 hierarchy's <c>tasks</c>) skips that lock, and clone3's
/// CLONE_INTO_CGROUP places the child in the v2 cgroup as it is created.
/// </summary>
internal sealed class CgroupJoin : IDisposable
{
    /// <summary>Each v1 hierarchy's <c>tasks</c> file, opened for writing by the runtime (whose credentials the kernel checks).</summary>
    public List<int> TaskFds { get; } = [];

    /// <summary>The cgroup2 directory (O_PATH) for CLONE_INTO_CGROUP; -1 when the host has none.</summary>
    public int V2DirFd { get; set; } = -1;

    public void Dispose()
    {
        foreach (var fd in TaskFds)
        {
            Native.Libc.Close(fd);
        }
        TaskFds.Clear();
        if (V2DirFd >= 0)
        {
            Native.Libc.Close(V2DirFd);
            V2DirFd = -1;
        }
    }
}

using Microsoft.Win32.SafeHandles;

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>A file descriptor of a bpf object (map, program, link), closed on dispose.</summary>
internal sealed class BpfHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public BpfHandle(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => BpfSyscall.Close((int)handle) == 0;
}

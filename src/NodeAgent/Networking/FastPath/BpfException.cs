namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>The kernel refused a bpf(2) call; <see cref="Errno"/> says why (EPERM: no CAP_BPF, EINVAL: too old a kernel).</summary>
public sealed class BpfException : NetworkingException
{
    public BpfException()
    {
    }

    public BpfException(string message)
        : base(message)
    {
    }

    public BpfException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BpfException(string message, int errno)
        : base(message) => Errno = errno;

    /// <summary>The errno of the refused call; 0 when not from a system call.</summary>
    public int Errno { get; }
}

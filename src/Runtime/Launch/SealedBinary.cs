using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// A sealed in-memory copy of our own executable (CVE-2019-5736): the init stage runs from it, so
/// /proc/&lt;pid&gt;/exe of anything we start inside a container points at an immutable memfd and never
/// at the host binary, which a container process could otherwise reopen for writing.
/// </summary>
internal static unsafe class SealedBinary
{
    private const int MfdCloexec = 1, MfdAllowSealing = 2, FAddSeals = 1033;
    private const int SealAll = 1 | 2 | 4 | 8; // F_SEAL_SEAL | SHRINK | GROW | WRITE

    public static int Create()
    {
        var name = "flotilla-runtime\0"u8;
        int memfd;
        fixed (byte* p = name)
        {
            memfd = (int)Libc.Syscall(Sys.Memfd, (long)p, MfdCloexec | MfdAllowSealing, 0, 0, 0, 0);
        }
        if (memfd < 0)
        {
            throw RuntimeException.FromErrno("memfd_create", Libc.Errno);
        }
        var self = Libc.Open("/proc/self/exe", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (self < 0)
        {
            var errno = Libc.Errno;
            Libc.Close(memfd);
            throw RuntimeException.FromErrno("opening /proc/self/exe", errno);
        }
        try
        {
            while (true)
            {
                var n = Libc.Sendfile(memfd, self, null, 1 << 30);
                if (n == 0)
                {
                    break;
                }
                if (n < 0 && Libc.Errno != Libc.EINTR)
                {
                    throw RuntimeException.FromErrno("copying the runtime binary into a memfd", Libc.Errno);
                }
            }
            if (Libc.Fcntl(memfd, FAddSeals, SealAll) != 0)
            {
                throw RuntimeException.FromErrno("sealing the runtime binary copy", Libc.Errno);
            }
            return memfd;
        }
        catch
        {
            Libc.Close(memfd);
            throw;
        }
        finally
        {
            Libc.Close(self);
        }
    }
}

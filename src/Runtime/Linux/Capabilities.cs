using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Linux;

/// <summary>Capability names and applying the five sets to the calling thread.</summary>
internal static unsafe class Capabilities
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>Docker's default set (the 14 capabilities a container gets unless told otherwise).</summary>
    public static readonly IReadOnlyList<string> DockerDefaults =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ];

    public static int? Number(string name)
    {
        var index = Array.IndexOf(Names, name.ToUpperInvariant());
        return index < 0 ? null : index;
    }

    public static ulong Mask(IReadOnlyList<string>? names)
    {
        ulong mask = 0;
        foreach (var name in names ?? [])
        {
            var number = Number(name) ?? throw new RuntimeException($"unknown capability \"{name}\"");
            mask |= 1UL << number;
        }
        return mask;
    }

    public static int LastCap()
    {
        try
        {
            return int.Parse(Native.RawFile.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return Names.Length - 1;
        }
    }

    /// <summary>Drops every capability outside <paramref name="bounding"/> from the bounding set.</summary>
    public static void DropBounding(ulong bounding, int lastCap)
    {
        for (var cap = 0; cap <= lastCap; cap++)
        {
            if ((bounding & (1UL << cap)) == 0 && Libc.Prctl(Sys.PR_CAPBSET_DROP, (ulong)cap, 0, 0, 0) != 0)
            {
                var errno = Libc.Errno;
                if (errno != Libc.EINVAL)
                {
                    throw RuntimeException.FromErrno($"dropping {(cap < Names.Length ? Names[cap] : cap.ToString(System.Globalization.CultureInfo.InvariantCulture))} from the bounding set", errno);
                }
            }
        }
    }

    /// <summary>Sets effective, permitted and inheritable of the calling thread (capset v3).</summary>
    public static void Set(ulong effective, ulong permitted, ulong inheritable)
    {
        var header = stackalloc uint[2];
        header[0] = 0x20080522; // _LINUX_CAPABILITY_VERSION_3
        header[1] = 0;
        var data = stackalloc uint[6];
        data[0] = (uint)effective;
        data[1] = (uint)permitted;
        data[2] = (uint)inheritable;
        data[3] = (uint)(effective >> 32);
        data[4] = (uint)(permitted >> 32);
        data[5] = (uint)(inheritable >> 32);
        if (Libc.Syscall(Sys.Capset, (long)header, (long)data, 0, 0, 0, 0) != 0)
        {
            throw RuntimeException.FromErrno("setting capabilities", Libc.Errno);
        }
    }

    public static void RaiseAmbient(ulong ambient, int lastCap)
    {
        for (var cap = 0; cap <= lastCap; cap++)
        {
            if ((ambient & (1UL << cap)) != 0 &&
                Libc.Prctl(Sys.PR_CAP_AMBIENT, Sys.PR_CAP_AMBIENT_RAISE, (ulong)cap, 0, 0) != 0)
            {
                throw RuntimeException.FromErrno($"raising ambient capability {Names[cap]}", Libc.Errno);
            }
        }
    }
}

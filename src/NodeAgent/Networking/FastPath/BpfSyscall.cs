using System.Runtime.InteropServices;
using System.Text;

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>
/// The bpf(2) commands the fast path uses, over plain P/Invoke (the agent is NativeAOT). Each command fills the
/// part of <c>union bpf_attr</c> it reads, at the offsets of the kernel's uapi <c>linux/bpf.h</c>; the rest stays zero.
/// File descriptors come back as <see cref="BpfHandle"/>s.
/// </summary>
internal static unsafe partial class BpfSyscall
{
    private const int MapCreate = 0;
    private const int MapLookupElem = 1;
    private const int MapUpdateElem = 2;
    private const int MapDeleteElem = 3;
    private const int MapGetNextKey = 4;
    private const int ProgLoad = 5;
    private const int ObjPin = 6;
    private const int ObjGet = 7;
    private const int LinkCreate = 28;
    private const int LinkUpdate = 29;

    public const uint MapTypeHash = 1;
    public const uint MapTypeLruHash = 9;
    public const uint ProgTypeSchedCls = 3;
    public const uint AttachTypeTcxIngress = 46;

    /// <summary>BPF_F_NO_PREALLOC: entries allocated on insert (a small map of published ports need not reserve its maximum).</summary>
    public const uint MapFlagNoPrealloc = 1;

    private const int ENOENT = 2;
    private const int ENOSPC = 28;
    private const int AttrSize = 128;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long command, void* attr, long size);

    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int Close(int fd);

    private static long SyscallNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var other => throw new BpfException($"the eBPF fast path does not know the bpf system call number on {other}", 0),
    };

    public static BpfHandle CreateMap(uint type, int keySize, int valueSize, int maxEntries, uint flags, string name)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = type;
        *(uint*)(attr + 4) = (uint)keySize;
        *(uint*)(attr + 8) = (uint)valueSize;
        *(uint*)(attr + 12) = (uint)maxEntries;
        *(uint*)(attr + 16) = flags;
        WriteName(new Span<byte>(attr + 28, 16), name);
        return new BpfHandle(Call(MapCreate, attr, $"create map {name}"));
    }

    /// <summary>Copies the value of <paramref name="key"/> into <paramref name="value"/>; false when the key is absent.</summary>
    public static bool Lookup(BpfHandle map, ReadOnlySpan<byte> key, Span<byte> value)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            *(uint*)(attr + 0) = (uint)map.Fd;
            *(ulong*)(attr + 8) = (ulong)k;
            *(ulong*)(attr + 16) = (ulong)v;
            return TryCall(MapLookupElem, attr, "look up a map entry", ENOENT);
        }
    }

    public static void Update(BpfHandle map, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            *(uint*)(attr + 0) = (uint)map.Fd;
            *(ulong*)(attr + 8) = (ulong)k;
            *(ulong*)(attr + 16) = (ulong)v;
            Call(MapUpdateElem, attr, "update a map entry");
        }
    }

    /// <summary>Deletes <paramref name="key"/>; an absent key is fine.</summary>
    public static void Delete(BpfHandle map, ReadOnlySpan<byte> key)
    {
        fixed (byte* k = key)
        {
            var attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            *(uint*)(attr + 0) = (uint)map.Fd;
            *(ulong*)(attr + 8) = (ulong)k;
            TryCall(MapDeleteElem, attr, "delete a map entry", ENOENT);
        }
    }

    /// <summary>Every key of the map (a snapshot: entries added meanwhile may be missed, which callers tolerate).</summary>
    public static List<byte[]> Keys(BpfHandle map, int keySize)
    {
        var keys = new List<byte[]>();
        var next = new byte[keySize];
        byte[]? current = null;
        var attr = stackalloc byte[AttrSize];
        while (true)
        {
            fixed (byte* k = current)
            fixed (byte* n = next)
            {
                new Span<byte>(attr, AttrSize).Clear();
                *(uint*)(attr + 0) = (uint)map.Fd;
                *(ulong*)(attr + 8) = (ulong)k; // null: the first key
                *(ulong*)(attr + 16) = (ulong)n;
                if (!TryCall(MapGetNextKey, attr, "list a map's keys", ENOENT))
                {
                    return keys;
                }
            }

            current = (byte[])next.Clone();
            keys.Add(current);
        }
    }

    /// <summary>Loads a SCHED_CLS program for tcx ingress; a refusal carries the verifier's log.</summary>
    public static BpfHandle LoadProgram(ReadOnlySpan<BpfInstruction> instructions, string name)
    {
        var license = "GPL\0"u8;
        var log = new byte[1 << 20];
        fixed (BpfInstruction* insns = instructions)
        fixed (byte* l = license)
        fixed (byte* logBuffer = log)
        {
            var attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            *(uint*)(attr + 0) = ProgTypeSchedCls;
            *(uint*)(attr + 4) = (uint)instructions.Length;
            *(ulong*)(attr + 8) = (ulong)insns;
            *(ulong*)(attr + 16) = (ulong)l;
            WriteName(new Span<byte>(attr + 48, 16), name);
            *(uint*)(attr + 68) = AttachTypeTcxIngress;
            var fd = Syscall(SyscallNumber, ProgLoad, attr, AttrSize);
            if (fd >= 0)
            {
                return new BpfHandle((int)fd);
            }

            // Load again with the log on only after a refusal: a log costs the verifier time on every load.
            var errno = Marshal.GetLastPInvokeError();
            *(uint*)(attr + 24) = 1;
            *(uint*)(attr + 28) = (uint)log.Length;
            *(ulong*)(attr + 32) = (ulong)logBuffer;
            fd = Syscall(SyscallNumber, ProgLoad, attr, AttrSize);
            if (fd >= 0)
            {
                return new BpfHandle((int)fd);
            }

            var text = Encoding.UTF8.GetString(log.AsSpan(0, Math.Max(0, log.AsSpan().IndexOf((byte)0)))).Trim();
            var tail = text.Length > 4000 ? "…" + text[^4000..] : text;
            throw new BpfException($"the kernel refused eBPF program {name} ({Describe(errno)}); verifier log: {tail}", errno);
        }
    }

    public static void Pin(BpfHandle handle, string path)
    {
        var bytes = Utf8(path);
        fixed (byte* p = bytes)
        {
            var attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            *(ulong*)(attr + 0) = (ulong)p;
            *(uint*)(attr + 8) = (uint)handle.Fd;
            Call(ObjPin, attr, $"pin {path}");
        }
    }

    /// <summary>Opens a pinned object; null when nothing is pinned at <paramref name="path"/>.</summary>
    public static BpfHandle? OpenPinned(string path)
    {
        var bytes = Utf8(path);
        fixed (byte* p = bytes)
        {
            var attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            *(ulong*)(attr + 0) = (ulong)p;
            var fd = Syscall(SyscallNumber, ObjGet, attr, AttrSize);
            if (fd >= 0)
            {
                return new BpfHandle((int)fd);
            }

            var errno = Marshal.GetLastPInvokeError();
            return errno == ENOENT ? null : throw new BpfException($"cannot open pinned eBPF object {path}: {Describe(errno)}", errno);
        }
    }

    /// <summary>Attaches <paramref name="program"/> at tcx ingress of interface <paramref name="ifindex"/> of the calling thread's network namespace.</summary>
    public static BpfHandle AttachTcxIngress(BpfHandle program, int ifindex)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)program.Fd;
        *(uint*)(attr + 4) = (uint)ifindex;
        *(uint*)(attr + 8) = AttachTypeTcxIngress;
        return new BpfHandle(Call(LinkCreate, attr, $"attach a program at tcx ingress of interface {ifindex}"));
    }

    /// <summary>Swaps the program of an existing link in place (no moment without a program). False when the link's interface is gone.</summary>
    public static bool UpdateLink(BpfHandle link, BpfHandle program)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)link.Fd;
        *(uint*)(attr + 4) = (uint)program.Fd;
        return Syscall(SyscallNumber, LinkUpdate, attr, AttrSize) >= 0;
    }

    public static string Describe(int errno) => errno switch
    {
        1 => "EPERM: not permitted (the agent lacks CAP_BPF/CAP_NET_ADMIN, or a pin is outside bpffs)",
        ENOENT => "ENOENT",
        7 => "E2BIG",
        13 => "EACCES: the verifier refused the program",
        ENOSPC => "ENOSPC: the map is full",
        22 => "EINVAL: the kernel does not support this (too old?)",
        95 => "EOPNOTSUPP",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    } + $" (errno {errno})";

    private static int Call(int command, byte* attr, string what)
    {
        var result = Syscall(SyscallNumber, command, attr, AttrSize);
        if (result < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new BpfException($"bpf: cannot {what}: {Describe(errno)}", errno);
        }

        return (int)result;
    }

    private static bool TryCall(int command, byte* attr, string what, int absent)
    {
        if (Syscall(SyscallNumber, command, attr, AttrSize) >= 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == absent ? false : throw new BpfException($"bpf: cannot {what}: {Describe(errno)}", errno);
    }

    private static void WriteName(Span<byte> target, string name)
    {
        // Object names: at most 15 characters of [A-Za-z0-9_.], NUL-terminated.
        var length = Math.Min(name.Length, target.Length - 1);
        for (var i = 0; i < length; i++)
        {
            target[i] = (byte)(char.IsAsciiLetterOrDigit(name[i]) || name[i] is '_' or '.' ? name[i] : '_');
        }
    }

    private static byte[] Utf8(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}

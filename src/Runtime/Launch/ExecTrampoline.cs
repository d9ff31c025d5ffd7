using System.Buffers.Binary;
using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// The last step before a container's process: a 214-byte static x86-64 program, run from a sealed
/// memfd, that waits for <c>start</c> (when asked) and execs the process. The child the runtime clones
/// is a copy of the runtime, so its /proc/&lt;pid&gt;/exe is the runtime's binary on the host: exec'ing the
/// container's program from it directly would let a program whose interpreter is /proc/self/exe run
/// (and, once we exit, overwrite) that binary (CVE-2019-5736). Exec'ing this first makes /proc/self/exe
/// an immutable memfd, at the cost of an exec that loads no library and runs no runtime.
/// </summary>
/// <remarks>
/// argv is <c>[path, mode, process argv...]</c>: mode "W" reads one byte from fd 3 (the exec fifo,
/// written by <c>start</c>) and closes it first; anything else execs at once. On a failed exec it
/// prints "flotilla-runtime: cannot exec PATH" and exits 127.
/// </remarks>
internal static unsafe class ExecTrampoline
{
    private const int MfdCloexec = 1, MfdAllowSealing = 2, FAddSeals = 1033;
    private const int SealAll = 1 | 2 | 4 | 8; // F_SEAL_SEAL | SHRINK | GROW | WRITE
    private const ulong LoadAddress = 0x400000;
    private const int HeaderSize = 64 + 56;

    /// <summary>Assembled with GNU as from this listing (Intel syntax); offsets on the left.</summary>
    private static ReadOnlySpan<byte> Code =>
    [
        0x48, 0x89, 0xe3,                         // 00 mov rbx, rsp               ; rbx = &argc
        0x48, 0x8b, 0x0b,                         // 03 mov rcx, [rbx]
        0x48, 0x83, 0xf9, 0x02,                   // 06 cmp rcx, 2
        0x0f, 0x82, 0x9b, 0x00, 0x00, 0x00,       // 0a jb fail                    ; needs path and mode
        0x48, 0x8b, 0x43, 0x10,                   // 10 mov rax, [rbx+16]          ; argv[1]: mode
        0x80, 0x38, 0x57,                         // 14 cmp byte [rax], 'W'
        0x75, 0x2b,                               // 17 jne exec
        0x31, 0xc0,                               // 19 wait: xor eax, eax         ; read(3, rsp-8, 1)
        0xbf, 0x03, 0x00, 0x00, 0x00,             // 1b mov edi, 3
        0x48, 0x8d, 0x74, 0x24, 0xf8,             // 20 lea rsi, [rsp-8]
        0xba, 0x01, 0x00, 0x00, 0x00,             // 25 mov edx, 1
        0x0f, 0x05,                               // 2a syscall
        0x48, 0x83, 0xf8, 0xfc,                   // 2c cmp rax, -EINTR
        0x74, 0xe7,                               // 30 je wait
        0x48, 0x83, 0xf8, 0x01,                   // 32 cmp rax, 1
        0x75, 0x73,                               // 36 jne fail
        0xb8, 0x03, 0x00, 0x00, 0x00,             // 38 mov eax, 3                 ; close(3)
        0xbf, 0x03, 0x00, 0x00, 0x00,             // 3d mov edi, 3
        0x0f, 0x05,                               // 42 syscall
        0x48, 0x8b, 0x0b,                         // 44 exec: mov rcx, [rbx]
        0x48, 0x8b, 0x7b, 0x08,                   // 47 mov rdi, [rbx+8]           ; path = argv[0]
        0x48, 0x8d, 0x73, 0x18,                   // 4b lea rsi, [rbx+24]          ; argv + 2
        0x48, 0x8d, 0x54, 0xcb, 0x10,             // 4f lea rdx, [rbx+rcx*8+16]    ; envp
        0xb8, 0x3b, 0x00, 0x00, 0x00,             // 54 mov eax, 59                ; execve
        0x0f, 0x05,                               // 59 syscall
        0xb8, 0x01, 0x00, 0x00, 0x00,             // 5b mov eax, 1                 ; write(2, msg, 30)
        0xbf, 0x02, 0x00, 0x00, 0x00,             // 60 mov edi, 2
        0x48, 0x8d, 0x35, 0x4b, 0x00, 0x00, 0x00, // 65 lea rsi, [rip+msg]
        0xba, 0x1e, 0x00, 0x00, 0x00,             // 6c mov edx, 30
        0x0f, 0x05,                               // 71 syscall
        0x48, 0x8b, 0x73, 0x08,                   // 73 mov rsi, [rbx+8]           ; write(2, path, strlen(path))
        0x48, 0x89, 0xf2,                         // 77 mov rdx, rsi
        0x80, 0x3a, 0x00,                         // 7a len: cmp byte [rdx], 0
        0x74, 0x05,                               // 7d je lendone
        0x48, 0xff, 0xc2,                         // 7f inc rdx
        0xeb, 0xf6,                               // 82 jmp len
        0x48, 0x29, 0xf2,                         // 84 lendone: sub rdx, rsi
        0xb8, 0x01, 0x00, 0x00, 0x00,             // 87 mov eax, 1
        0xbf, 0x02, 0x00, 0x00, 0x00,             // 8c mov edi, 2
        0x0f, 0x05,                               // 91 syscall
        0xb8, 0x01, 0x00, 0x00, 0x00,             // 93 mov eax, 1                 ; write(2, "\n", 1)
        0xbf, 0x02, 0x00, 0x00, 0x00,             // 98 mov edi, 2
        0x48, 0x8d, 0x35, 0x31, 0x00, 0x00, 0x00, // 9d lea rsi, [rip+nl]
        0xba, 0x01, 0x00, 0x00, 0x00,             // a4 mov edx, 1
        0x0f, 0x05,                               // a9 syscall
        0xbf, 0x7f, 0x00, 0x00, 0x00,             // ab fail: mov edi, 127
        0xb8, 0xe7, 0x00, 0x00, 0x00,             // b0 mov eax, 231               ; exit_group
        0x0f, 0x05,                               // b5 syscall
    ];

    /// <summary>msg at b7 (30 bytes), nl at d5.</summary>
    private static ReadOnlySpan<byte> Message => "flotilla-runtime: cannot exec \n"u8;

    /// <summary>The whole ELF file: header, one read+exec PT_LOAD segment covering the file, code, message.</summary>
    internal static byte[] Image()
    {
        var image = new byte[HeaderSize + Code.Length + Message.Length];
        var span = image.AsSpan();
        "\x7f"u8.CopyTo(span);
        "ELF"u8.CopyTo(span[1..]);
        span[4] = 2; // 64-bit
        span[5] = 1; // little endian
        span[6] = 1; // ELF version
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2);    // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 0x3e); // x86-64
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], LoadAddress + HeaderSize); // entry
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], 64);   // program headers right after this one
        BinaryPrimitives.WriteUInt16LittleEndian(span[52..], 64);   // header size
        BinaryPrimitives.WriteUInt16LittleEndian(span[54..], 56);   // program header size
        BinaryPrimitives.WriteUInt16LittleEndian(span[56..], 1);    // one program header
        var ph = span[64..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);            // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);       // PF_R | PF_X
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], LoadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], LoadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)image.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], (ulong)image.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
        Code.CopyTo(span[HeaderSize..]);
        Message.CopyTo(span[(HeaderSize + Code.Length)..]);
        return image;
    }

    /// <summary>A sealed memfd holding the program (close-on-exec: the child execs it by fd).</summary>
    public static int Create()
    {
        int memfd;
        fixed (byte* name = "flotilla-exec\0"u8)
        {
            memfd = (int)Libc.Syscall(Sys.Memfd, (long)name, MfdCloexec | MfdAllowSealing, 0, 0, 0, 0);
        }
        if (memfd < 0)
        {
            throw RuntimeException.FromErrno("memfd_create", Libc.Errno);
        }
        var image = Image();
        fixed (byte* p = image)
        {
            if (Libc.Write(memfd, p, (nuint)image.Length) != image.Length || Libc.Fcntl(memfd, FAddSeals, SealAll) != 0)
            {
                var errno = Libc.Errno;
                Libc.Close(memfd);
                throw RuntimeException.FromErrno("writing the exec trampoline", errno);
            }
        }
        return memfd;
    }
}

using System.Text;

namespace Flotilla.Runtime.Native;

/// <summary>
/// Whole-file reads and writes of small files (cgroup and /proc files, state.json) as plain open/read/write/close.
/// File.ReadAllText and File.WriteAllText take an advisory lock, stat and truncate around each access:
/// twice the system calls, and about 20 such files are touched per container start.
/// Failures throw <see cref="IOException"/> naming the path, as the File methods do.
/// </summary>
internal static unsafe class RawFile
{
    /// <summary>The file's whole content, or null when it does not exist.</summary>
    public static byte[]? TryReadAllBytes(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            var errno = Libc.Errno;
            return errno == Libc.ENOENT ? null : throw Failure("opening", path, errno);
        }
        try
        {
            // Most of these files are a few hundred bytes: read into the stack, and allocate only the result
            // (fresh heap is what the runtime's allocator has to clear and fault in).
            Span<byte> first = stackalloc byte[4096];
            var length = ReadInto(fd, path, first);
            if (length < first.Length)
            {
                return first[..length].ToArray();
            }
            var buffer = new byte[first.Length * 4];
            first.CopyTo(buffer);
            while (true)
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                var read = ReadInto(fd, path, buffer.AsSpan(length));
                if (read == 0)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }
                length += read;
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; returns the bytes read.</summary>
    private static int ReadInto(int fd, string path, Span<byte> buffer)
    {
        var done = 0;
        fixed (byte* start = buffer)
        {
            while (done < buffer.Length)
            {
                var read = Libc.Read(fd, start + done, (nuint)(buffer.Length - done));
                if (read == 0)
                {
                    break;
                }
                if (read < 0)
                {
                    var errno = Libc.Errno;
                    if (errno != Libc.EINTR)
                    {
                        throw Failure("reading", path, errno);
                    }
                    continue;
                }
                done += (int)read;
            }
        }
        return done;
    }

    /// <summary>The file's whole content as UTF-8 text, or null when it does not exist.</summary>
    public static string? TryReadAllText(string path) =>
        TryReadAllBytes(path) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    public static string ReadAllText(string path) =>
        TryReadAllText(path) ?? throw new FileNotFoundException($"{path}: no such file", path);

    /// <summary>Writes <paramref name="text"/> to an existing file (a cgroup or /proc file) in one write.</summary>
    public static void Write(string path, string text) => WriteEach(path, [text]);

    /// <summary>
    /// Writes each line with its own write call through one descriptor: a cgroup file such as devices.allow
    /// takes one rule per write.
    /// </summary>
    public static void WriteEach(string path, IEnumerable<string> texts)
    {
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Failure("opening", path, Libc.Errno);
        }
        try
        {
            foreach (var text in texts)
            {
                WriteAll(fd, path, Encoding.UTF8.GetBytes(text));
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>Creates (or truncates) <paramref name="path"/> with mode 0644 and writes <paramref name="content"/>.</summary>
    public static void Create(string path, ReadOnlySpan<byte> content)
    {
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_CLOEXEC, 0x1a4);
        if (fd < 0)
        {
            throw Failure("creating", path, Libc.Errno);
        }
        try
        {
            WriteAll(fd, path, content);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static void WriteAll(int fd, string path, ReadOnlySpan<byte> content)
    {
        fixed (byte* start = content)
        {
            var done = 0;
            do
            {
                var written = Libc.Write(fd, start + done, (nuint)(content.Length - done));
                if (written < 0)
                {
                    var errno = Libc.Errno;
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }
                    throw Failure("writing", path, errno);
                }
                done += (int)written;
            }
            while (done < content.Length);
        }
    }

    private static IOException Failure(string what, string path, int errno) =>
        new($"{what} {path}: {Libc.ErrorText(errno)} (errno {errno})");
}

using System.Buffers.Binary;
using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Launch;

/// <summary>Kinds of frame exchanged between the runtime and the child it cloned.</summary>
internal enum SyncMessage : byte
{
    /// <summary>Parent → child: the process is in its cgroup and its id maps, rlimits and oom score are set.</summary>
    Go = (byte)'G',
    /// <summary>Child → parent: a failed step and errno (8 bytes), written with raw syscalls. Success sends nothing: the socket closes on exec.</summary>
    ChildError = (byte)'C',
}

/// <summary>Length-prefixed frames (1 byte kind, 4 bytes length, payload) over one socket fd.</summary>
internal sealed unsafe class SyncChannel(int fd) : IDisposable
{
    public int Fd { get; private set; } = fd;

    public void Send(SyncMessage kind, ReadOnlySpan<byte> payload = default)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = (byte)kind;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        WriteAll(frame);
    }

    /// <summary>Reads one frame; null on end of stream (the peer exec'd or died).</summary>
    public (SyncMessage Kind, byte[] Payload)? Receive()
    {
        var header = new byte[5];
        if (!ReadAll(header))
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(1));
        if (length is < 0 or > 64 << 20)
        {
            throw new RuntimeException($"sync channel: bad frame length {length}");
        }
        var payload = new byte[length];
        if (!ReadAll(payload))
        {
            throw new RuntimeException("sync channel: stream ended inside a frame");
        }
        return ((SyncMessage)header[0], payload);
    }

    private void WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = Libc.Write(Fd, p + done, (nuint)(data.Length - done));
                if (n < 0)
                {
                    var errno = Libc.Errno;
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }
                    throw RuntimeException.FromErrno("writing to the sync channel", errno);
                }
                done += (int)n;
            }
        }
    }

    private bool ReadAll(Span<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = Libc.Read(Fd, p + done, (nuint)(data.Length - done));
                if (n < 0)
                {
                    var errno = Libc.Errno;
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }
                    throw RuntimeException.FromErrno("reading the sync channel", errno);
                }
                if (n == 0)
                {
                    if (done == 0)
                    {
                        return false;
                    }
                    throw new RuntimeException("sync channel: stream ended inside a frame");
                }
                done += (int)n;
            }
        }
        return true;
    }

    public void Dispose()
    {
        if (Fd >= 0)
        {
            Libc.Close(Fd);
            Fd = -1;
        }
    }
}

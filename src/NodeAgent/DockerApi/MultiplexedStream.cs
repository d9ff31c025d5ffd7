using System.Buffers.Binary;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>
/// Docker's multiplexed stdout/stderr format: each frame is an 8-byte header (stream type, three zero bytes,
/// big-endian payload length) followed by the payload.
/// </summary>
public static class MultiplexedStream
{
    public const string ContentType = "application/vnd.docker.multiplexed-stream";

    public static async ValueTask WriteFrameAsync(Stream output, LogStream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        header[0] = (byte)stream;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)payload.Length);
        await output.WriteAsync(header, cancellationToken);
        await output.WriteAsync(payload, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>Reads one frame; null at the end of the stream.</summary>
    public static async Task<(LogStream Stream, byte[] Payload)?> ReadFrameAsync(Stream input, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        var read = await input.ReadAtLeastAsync(header, 8, throwOnEndOfStream: false, cancellationToken);
        if (read < 8)
        {
            return null;
        }

        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4))];
        await input.ReadExactlyAsync(payload, cancellationToken);
        return ((LogStream)header[0], payload);
    }
}

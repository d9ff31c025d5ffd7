using System.Buffers.Binary;

namespace Flotilla.Cli.Engine;

/// <summary>
/// Docker's multiplexed stdout/stderr stream: frames of an 8-byte header (stream 1 or 2, three zero
/// bytes, big-endian length) and the payload. Copies each frame to the matching output.
/// </summary>
internal static class MultiplexedStream
{
    public static async Task CopyAsync(Stream input, Stream stdout, Stream stderr, CancellationToken cancellationToken, TailBuffer? stderrTail = null)
    {
        var header = new byte[8];
        var payload = new byte[32 * 1024];
        while (true)
        {
            var read = await input.ReadAtLeastAsync(header, 8, throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
            {
                return;
            }

            if (read < 8)
            {
                throw new IOException("the agent's output stream ended inside a frame header");
            }

            var output = header[0] == 2 ? stderr : stdout;
            var remaining = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            while (remaining > 0)
            {
                var chunk = await input.ReadAsync(payload.AsMemory(0, Math.Min(payload.Length, remaining)), cancellationToken);
                if (chunk == 0)
                {
                    throw new IOException("the agent's output stream ended inside a frame");
                }

                await output.WriteAsync(payload.AsMemory(0, chunk), cancellationToken);
                if (output == stderr)
                {
                    stderrTail?.Append(payload.AsSpan(0, chunk));
                }

                remaining -= chunk;
            }

            await output.FlushAsync(cancellationToken);
        }
    }
}

using System.Globalization;
using System.Text;

namespace Flotilla.Cli.Engine;

/// <summary>
/// A request body of unknown length sent as HTTP/1.1 chunks (a tar made on the fly, standard input). Each write is one
/// chunk, so callers buffer in front of it; <see cref="CompleteAsync"/> sends the last, empty chunk. The connection's
/// stream stays open.
/// </summary>
internal sealed class ChunkedRequestStream(Stream connection) : Stream
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private bool _completed;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_completed, this);
        await connection.WriteAsync(Encoding.ASCII.GetBytes(buffer.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
        await connection.WriteAsync(buffer, cancellationToken);
        await connection.WriteAsync(Crlf, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length == 0)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_completed, this);
        connection.Write(Encoding.ASCII.GetBytes(buffer.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
        connection.Write(buffer);
        connection.Write(Crlf);
    }

    /// <summary>Ends the body: the zero-length chunk and the empty trailer.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_completed)
        {
            _completed = true;
            await connection.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
            await connection.FlushAsync(cancellationToken);
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

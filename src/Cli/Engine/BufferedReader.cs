using System.Text;

namespace Flotilla.Cli.Engine;

/// <summary>Reads HTTP/1.1 framing off a socket stream: header lines, then raw bytes, sharing one buffer.</summary>
internal sealed class BufferedReader(Stream inner)
{
    private const int MaxLine = 64 * 1024;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>One line without its CRLF; null when the connection closed before any byte of it.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                return line.Length == 0 ? null : throw new IOException("the connection closed in the middle of a response line");
            }

            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.Append(Encoding.ASCII.GetString(_buffer, _start, stop - _start));
            if (line.Length > MaxLine)
            {
                throw new IOException("a response line is too long");
            }

            if (newline >= 0)
            {
                _start = newline + 1;
                return line.ToString().TrimEnd('\r');
            }

            _start = _end;
        }
    }

    /// <summary>Reads up to <paramref name="destination"/>'s length; 0 at the end of the connection.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_start < _end)
        {
            var count = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, count).CopyTo(destination);
            _start += count;
            return count;
        }

        return await inner.ReadAsync(destination, cancellationToken);
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await inner.ReadAsync(_buffer, cancellationToken);
        return _end > 0;
    }
}

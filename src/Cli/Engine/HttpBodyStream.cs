using System.Globalization;

namespace Flotilla.Cli.Engine;

/// <summary>A response body: a Content-Length slice, a chunked body, or everything until the connection closes.</summary>
internal sealed class HttpBodyStream : ReadOnlyStream
{
    private readonly BufferedReader _reader;
    private readonly bool _chunked;
    private long _remaining;
    private bool _done;

    public HttpBodyStream(BufferedReader reader, long? contentLength, bool chunked)
    {
        _reader = reader;
        _chunked = chunked;
        _remaining = chunked ? 0 : contentLength ?? long.MaxValue;
        _done = !chunked && contentLength == 0;
    }

    /// <summary>True once the whole body has been read, so the connection can carry the next request.</summary>
    public bool Completed => _done;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done || buffer.Length == 0)
        {
            return 0;
        }

        if (_chunked && _remaining == 0)
        {
            var sizeLine = await _reader.ReadLineAsync(cancellationToken) ?? throw new IOException("the connection closed inside a chunked body");
            var size = sizeLine.Split(';', 2)[0].Trim();
            if (!long.TryParse(size, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _remaining))
            {
                throw new IOException($"bad chunk size \"{sizeLine}\"");
            }

            if (_remaining == 0)
            {
                // Trailers end with an empty line.
                while (!string.IsNullOrEmpty(await _reader.ReadLineAsync(cancellationToken)))
                {
                }

                _done = true;
                return 0;
            }
        }

        var read = await _reader.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken);
        if (read == 0)
        {
            if (_remaining != long.MaxValue)
            {
                throw new IOException("the connection closed before the response ended");
            }

            _done = true;
            return 0;
        }

        if (_remaining != long.MaxValue)
        {
            _remaining -= read;
        }

        if (_chunked && _remaining == 0)
        {
            await _reader.ReadLineAsync(cancellationToken);
        }
        else if (!_chunked && _remaining == 0)
        {
            _done = true;
        }

        return read;
    }
}

using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Flotilla.Cli.Engine;

/// <summary>
/// HTTP/1.1 over one unix-socket connection. Small on purpose: the CLI sends a handful of requests
/// per run, and a process that starts in milliseconds should not spend them setting up a general client.
/// Requests on one connection go one after another; a streaming request takes a connection of its own.
/// </summary>
internal sealed class UnixHttpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly BufferedReader _reader;
    private HttpResponse? _last;

    private UnixHttpConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new BufferedReader(_stream);
    }

    public static async Task<UnixHttpConnection> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new UnixHttpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The connection itself, for a request upgraded to a raw stream (attach).</summary>
    public Stream RawInput => new UpgradedStream(_reader);

    public bool Reusable => _last is null || _last.Body.Completed;

    public async Task<HttpResponse> SendAsync(
        string method, string target, ReadOnlyMemory<byte> body, string? contentType, bool upgrade, CancellationToken cancellationToken)
    {
        var head = Head(method, target, contentType);
        if (upgrade)
        {
            head.Append("Connection: Upgrade\r\nUpgrade: tcp\r\n");
        }

        if (body.Length > 0 || method is "POST" or "PUT")
        {
            head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        head.Append("\r\n");
        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        if (body.Length > 0 && body.Length < 64 * 1024)
        {
            // One write: a request in a single segment is answered sooner than one split in two.
            var whole = new byte[headBytes.Length + body.Length];
            headBytes.CopyTo(whole, 0);
            body.CopyTo(whole.AsMemory(headBytes.Length));
            await _stream.WriteAsync(whole, cancellationToken);
        }
        else
        {
            await _stream.WriteAsync(headBytes, cancellationToken);
            if (body.Length > 0)
            {
                await _stream.WriteAsync(body, cancellationToken);
            }
        }

        return _last = await ReadResponseAsync(method, cancellationToken);
    }

    /// <summary>
    /// Sends a request whose body <paramref name="writeBody"/> produces as it goes (sent chunked, buffered into
    /// large chunks), then reads the answer.
    /// </summary>
    public async Task<HttpResponse> SendStreamingAsync(
        string method, string target, string contentType, Func<Stream, CancellationToken, Task> writeBody, CancellationToken cancellationToken)
    {
        var head = Head(method, target, contentType).Append("Transfer-Encoding: chunked\r\n\r\n");
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
        var chunked = new ChunkedRequestStream(_stream);
        await using (var buffered = new BufferedStream(chunked, 1 << 17))
        {
            await writeBody(buffered, cancellationToken);
            await buffered.FlushAsync(cancellationToken);
        }

        await chunked.CompleteAsync(cancellationToken);
        return _last = await ReadResponseAsync(method, cancellationToken);
    }

    private static StringBuilder Head(string method, string target, string? contentType)
    {
        var head = new StringBuilder(256)
            .Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: flotilla\r\nUser-Agent: flotilla-cli\r\n");
        if (contentType is not null)
        {
            head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        return head;
    }

    private async Task<HttpResponse> ReadResponseAsync(string method, CancellationToken cancellationToken)
    {
        var statusLine = await _reader.ReadLineAsync(cancellationToken)
            ?? throw new IOException("the agent closed the connection without answering");
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new IOException($"the agent answered with something other than HTTP: \"{statusLine}\"");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (await _reader.ReadLineAsync(cancellationToken) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        long? length = headers.TryGetValue("Content-Length", out var text)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        var chunked = headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase);
        if (method == "HEAD" || status is 204 or 304 or 101)
        {
            length = status == 101 ? null : 0;
            chunked = false;
        }

        return new HttpResponse(status, headers, new HttpBodyStream(_reader, length, chunked));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by the peer.
        }

        await _stream.DisposeAsync();
    }

    /// <summary>After <c>101 Switching Protocols</c>: the rest of the connection, including bytes already buffered.</summary>
    private sealed class UpgradedStream(BufferedReader reader) : ReadOnlyStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            reader.ReadAsync(buffer, cancellationToken);
    }
}

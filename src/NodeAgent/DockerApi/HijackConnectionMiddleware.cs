using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flotilla.NodeAgent.Containers;
using Microsoft.AspNetCore.Connections;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>
/// Serves Docker's hijacked requests (<c>POST /exec/{id}/start</c> and <c>POST /containers/{id}/attach</c>
/// with <c>Upgrade: tcp</c>) at the connection level: Docker clients send a JSON body with the upgrade and
/// require <c>101 Switching Protocols</c>, which Kestrel does not grant to requests that have a body.
/// Clients dial a fresh connection for each hijack, so only a connection's first request is examined;
/// everything else goes on to Kestrel's HTTP handling untouched.
/// </summary>
internal sealed partial class HijackConnectionMiddleware(ContainerEngine engine, ExecSessions sessions)
{
    private const int MaxHeaderBytes = 64 * 1024;

    public async Task InvokeAsync(ConnectionContext connection, Func<Task> next)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(connection.ConnectionClosed);
            var buffer = result.Buffer;
            var lineEnd = buffer.PositionOf((byte)'\n');
            if (lineEnd is null)
            {
                if (result.IsCompleted || buffer.Length > MaxHeaderBytes)
                {
                    input.AdvanceTo(buffer.Start);
                    await next();
                    return;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            var match = HijackTarget().Match(Encoding.ASCII.GetString(buffer.Slice(0, lineEnd.Value)).TrimEnd('\r'));
            var headerEnd = IndexOf(buffer, "\r\n\r\n"u8);
            if (match.Success && headerEnd < 0 && !result.IsCompleted && buffer.Length <= MaxHeaderBytes)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            var headers = match.Success && headerEnd >= 0 ? ParseHeaders(buffer.Slice(0, headerEnd)) : null;
            if (headers is null || !headers.ContainsKey("upgrade"))
            {
                input.AdvanceTo(buffer.Start);
                await next();
                return;
            }

            input.AdvanceTo(buffer.GetPosition(headerEnd + 4));
            var length = headers.TryGetValue("content-length", out var text) ? long.Parse(text, CultureInfo.InvariantCulture) : 0;
            var body = await ReadBodyAsync(input, length, connection.ConnectionClosed);
            var output = connection.Transport.Output.AsStream(leaveOpen: true);

            // Clients half-close their side once they have no stdin to send, which the transport reports as
            // the connection closing: the stream runs until the process ends or a write to the client fails.
            var streaming = CancellationToken.None;
            try
            {
                var query = match.Groups["query"].Value;
                if (match.Groups["exec"].Success)
                {
                    await ExecAsync(match.Groups["exec"].Value, body, input.AsStream(leaveOpen: true), output, streaming);
                }
                else
                {
                    await AttachAsync(match.Groups["container"].Value, query, output, streaming);
                }
            }
            catch (Exception error) when (error is not OperationCanceledException and not IOException)
            {
                await WriteErrorAsync(output, DockerErrors.StatusOf(error), error.Message, streaming);
            }
            catch (IOException)
            {
                // The client went away.
            }

            await output.FlushAsync(CancellationToken.None);
            await connection.Transport.Output.CompleteAsync();
            return;
        }
    }

    private async Task ExecAsync(string id, byte[] body, Stream stdin, Stream output, CancellationToken cancellationToken)
    {
        sessions.Get(id);
        if (body.Length > 0)
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("Tty", out var tty) && tty.ValueKind == JsonValueKind.True)
            {
                throw new InvalidRunOptionsException("a TTY is not supported by this agent: exec without -t");
            }
        }

        await WriteUpgradeAsync(output, cancellationToken);
        await sessions.RunAsync(id, stdin, (stream, bytes, token) => MultiplexedStream.WriteFrameAsync(output, stream, bytes, token), cancellationToken);
    }

    private async Task AttachAsync(string id, string query, Stream output, CancellationToken cancellationToken)
    {
        var record = engine.Get(id);
        var parameters = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);
        bool Flag(string name) => parameters.TryGetValue(name, out var value) && value.ToString() is "1" or "true" or "True";
        var exited = engine.ExitedTask(record.Id);
        var options = new LogReadOptions
        {
            Stdout = Flag("stdout"),
            Stderr = Flag("stderr"),
            Follow = Flag("stream"),
            FromEnd = !Flag("logs"),
        };
        await WriteUpgradeAsync(output, cancellationToken);
        await engine.Logs.ReadAsync(record.Id, options, exited, (entry, token) =>
            MultiplexedStream.WriteFrameAsync(output, entry.Stream, ContainerEndpoints.Encode(entry, timestamps: false), token), cancellationToken);
    }

    private static async Task WriteUpgradeAsync(Stream output, CancellationToken cancellationToken)
    {
        var response = "HTTP/1.1 101 UPGRADED\r\n" +
            $"Content-Type: {MultiplexedStream.ContentType}\r\n" +
            "Connection: Upgrade\r\n" +
            "Upgrade: tcp\r\n" +
            $"Api-Version: {SystemEndpoints.ApiVersion}\r\n\r\n";
        await output.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    private static async Task WriteErrorAsync(Stream output, int status, string message, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(DockerErrors.Body(message));
        var reason = status switch { 404 => "Not Found", 400 => "Bad Request", 409 => "Conflict", _ => "Internal Server Error" };
        var head = $"HTTP/1.1 {status.ToString(CultureInfo.InvariantCulture)} {reason}\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\nConnection: close\r\n\r\n";
        await output.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await output.WriteAsync(body, cancellationToken);
    }

    private static async Task<byte[]> ReadBodyAsync(PipeReader input, long length, CancellationToken cancellationToken)
    {
        if (length <= 0)
        {
            return [];
        }

        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            if (result.Buffer.Length >= length || result.IsCompleted)
            {
                var slice = result.Buffer.Slice(0, Math.Min(length, result.Buffer.Length));
                var body = slice.ToArray();
                input.AdvanceTo(slice.End);
                return body;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static Dictionary<string, string> ParseHeaders(ReadOnlySequence<byte> head)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Encoding.ASCII.GetString(head).Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return headers;
    }

    private static long IndexOf(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> value)
    {
        var bytes = buffer.Length > MaxHeaderBytes ? buffer.Slice(0, MaxHeaderBytes).ToArray() : buffer.ToArray();
        return bytes.AsSpan().IndexOf(value);
    }

    [GeneratedRegex(@"^POST (?:/v[0-9]+(?:\.[0-9]+)?)?/(?:exec/(?<exec>[^/?]+)/start|containers/(?<container>[^/?]+)/attach)(?:\?(?<query>\S*))? HTTP/1\.[01]$")]
    private static partial Regex HijackTarget();
}

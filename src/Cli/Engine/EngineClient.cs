using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Flotilla.Cli.Engine;

/// <summary>The agent's Docker Engine API subset on its unix socket (<c>-H unix:///run/flotilla/agent.sock</c>).</summary>
internal sealed class EngineClient : IAsyncDisposable
{
    public const string DefaultHost = "unix:///run/flotilla/agent.sock";
    private UnixHttpConnection? _connection;

    public EngineClient(string host)
    {
        Host = host;
        SocketPath = host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..]
            : host.StartsWith('/') ? host
            : throw new CliException($"invalid agent address \"{host}\": use unix:///path/to/agent.sock (the agent serves its API on a unix socket)", ExitCodes.Usage);
    }

    public string Host { get; }

    public string SocketPath { get; }

    public async Task<JsonDocument> GetJsonAsync(string target, CancellationToken cancellationToken)
    {
        var response = await SendAsync("GET", target, default, cancellationToken);
        return await JsonDocument.ParseAsync(response.Body, cancellationToken: cancellationToken);
    }

    /// <summary>POSTs <paramref name="body"/> (JSON); returns the JSON answer, or null for an empty one (204, 304).</summary>
    public async Task<JsonDocument?> PostJsonAsync(string target, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var response = await SendAsync("POST", target, body, cancellationToken);
        return await ReadOptionalJsonAsync(response, cancellationToken);
    }

    public async Task<JsonDocument?> DeleteAsync(string target, CancellationToken cancellationToken)
    {
        var response = await SendAsync("DELETE", target, default, cancellationToken);
        return await ReadOptionalJsonAsync(response, cancellationToken);
    }

    /// <summary>Sends a request on the shared connection; throws <see cref="EngineException"/> for an error status.</summary>
    public async Task<HttpResponse> SendAsync(string method, string target, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (_connection is { Reusable: false })
        {
            await _connection.DisposeAsync();
            _connection = null;
        }

        _connection ??= await ConnectAsync(cancellationToken);
        var response = await _connection.SendAsync(method, target, body, body.Length > 0 ? "application/json" : null, upgrade: false, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return response;
    }

    /// <summary>
    /// Sends a request on a connection of its own, for a response read while other requests go on
    /// (log follow, wait, pull progress, attach). The caller disposes the connection.
    /// </summary>
    public async Task<(UnixHttpConnection Connection, HttpResponse Response)> OpenStreamAsync(
        string method, string target, ReadOnlyMemory<byte> body, bool upgrade, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        try
        {
            var response = await connection.SendAsync(method, target, body, body.Length > 0 || upgrade ? "application/json" : null, upgrade, cancellationToken);
            await EnsureSuccessAsync(response, cancellationToken);
            return (connection, response);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends a request with a body <paramref name="writeBody"/> streams (an image archive) on a connection of its own;
    /// the caller reads the answer and disposes the connection.
    /// </summary>
    public async Task<(UnixHttpConnection Connection, HttpResponse Response)> UploadAsync(
        string target, string contentType, Func<Stream, CancellationToken, Task> writeBody, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        try
        {
            var response = await connection.SendStreamingAsync("POST", target, contentType, writeBody, cancellationToken);
            await EnsureSuccessAsync(response, cancellationToken);
            return (connection, response);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static string Escape(string value) => Uri.EscapeDataString(value);

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    private async Task<UnixHttpConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await UnixHttpConnection.ConnectAsync(SocketPath, cancellationToken);
        }
        catch (SocketException error)
        {
            var reason = error.SocketErrorCode switch
            {
                _ when !File.Exists(SocketPath) => "the socket does not exist",
                SocketError.ConnectionRefused => "connection refused",
                SocketError.AccessDenied => "permission denied (run as root or a member of the socket's group)",
                _ => error.Message,
            };
            throw new CliException($"cannot connect to the flotilla agent at {Host}: {reason}. Is the agent running? Point to it with -H/--host or FLOTILLA_HOST.");
        }
    }

    private static async Task<JsonDocument?> ReadOptionalJsonAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await response.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.Length == 0 ? null : JsonDocument.Parse(buffer.ToArray());
    }

    private static async Task EnsureSuccessAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        if (response.Status is < 400)
        {
            return;
        }

        using var buffer = new MemoryStream();
        await response.Body.CopyToAsync(buffer, cancellationToken);
        var text = Encoding.UTF8.GetString(buffer.ToArray()).Trim();
        var message = text;
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("message", out var m) && m.GetString() is { } given)
            {
                message = given;
            }
        }
        catch (JsonException)
        {
            // Not Docker's {"message": ...}: show the text as it came.
        }

        throw new EngineException(response.Status, message.Length > 0 ? message : $"the agent answered {response.Status}");
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Flotilla.Cli.Output;

namespace Flotilla.Cli.ControlPlane;

/// <summary>The control plane's REST API (<c>/v1/...</c>) with its bearer token; errors become one-line messages.</summary>
internal sealed class ControlPlaneClient(ControlPlaneSettings settings) : IDisposable
{
    private readonly HttpClient _http = Create(settings);

    public ControlPlaneSettings Settings { get; } = settings;

    public Task<ApiResult> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public async Task<ApiResult> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative)) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException error)
        {
            var reason = error.InnerException is SocketException socket ? socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "unknown host",
                _ => socket.Message,
            } : error.Message;
            throw new CliException($"cannot reach the control plane at {Settings.Server}: {reason}. Set --server, FLOTILLA_SERVER or \"server\" in the config file.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the control plane at {Settings.Server} did not answer within {_http.Timeout.TotalSeconds:0} seconds");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonDocument? body = null;
            if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType is { } media && media.Contains("json", StringComparison.Ordinal))
            {
                try
                {
                    body = JsonDocument.Parse(text);
                }
                catch (JsonException)
                {
                    // Reported below as text.
                }
            }

            if (response.IsSuccessStatusCode)
            {
                return new ApiResult((int)response.StatusCode, body);
            }

            using (body)
            {
                throw Failure(response.StatusCode, body?.RootElement, text);
            }
        }
    }

    public static HttpContent JsonContent(byte[] json) => new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    public static HttpContent TextContent(string text, string mediaType) =>
        new StringContent(text, Encoding.UTF8, mediaType);

    public void Dispose() => _http.Dispose();

    private CliException Failure(HttpStatusCode status, JsonElement? problem, string text)
    {
        var code = (int)status;
        if (status == HttpStatusCode.Unauthorized)
        {
            return new CliException(Settings.Token is null
                ? $"the control plane at {Settings.Server} requires a token: pass --token-file, set FLOTILLA_TOKEN, or add \"tokenFile\" to the config file"
                : $"the control plane at {Settings.Server} refused the token from {Settings.TokenSource} (401 Unauthorized)");
        }

        if (problem is not { ValueKind: JsonValueKind.Object } details)
        {
            return new CliException($"the control plane answered {code} {status}{(text.Length > 0 ? ": " + Formats.Truncate(text.Trim(), 300) : "")}");
        }

        var message = new StringBuilder();
        var detail = details.Str("detail");
        var title = details.Str("title");
        message.Append(detail.Length > 0 ? detail : title.Length > 0 ? title : $"the control plane answered {code}");
        var errors = details.Obj("errors");
        if (errors.ValueKind == JsonValueKind.Object)
        {
            if (detail.Length == 0 && title.Length > 0)
            {
                message.Clear().Append(title);
            }

            foreach (var field in errors.EnumerateObject())
            {
                foreach (var reason in field.Value.Items())
                {
                    var line = $"{field.Name}: {reason.GetString()}";
                    if (!detail.Contains(line, StringComparison.Ordinal) || detail.Length == 0)
                    {
                        message.Append("\n  ").Append(line);
                    }
                }
            }
        }

        return new ControlPlaneException(code, message.ToString());
    }

    private static HttpClient Create(ControlPlaneSettings settings)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
        var client = new HttpClient(handler)
        {
            BaseAddress = new Uri(settings.Server.ToString().TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("flotilla-cli", "0.1"));
        if (settings.Token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }

        return client;
    }
}

using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>
/// A misbehaving front for a real registry, for the failures a real registry does not produce on demand:
/// it forwards every request, and can cut blob downloads short, corrupt blobs, relabel manifests, demand
/// Basic auth, or redirect blob downloads to a second listener on another loopback address (127.0.0.2),
/// which records whether an Authorization header followed the redirect.
/// </summary>
internal sealed class RegistryProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private int _truncationsLeft;

    private RegistryProxy(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    /// <summary><c>127.0.0.1:PORT</c>, to use as the registry part of a reference.</summary>
    public string Address { get; private set; } = "";

    /// <summary>Number of blob GETs to end after half their bytes.</summary>
    public int TruncateBlobDownloads { set => _truncationsLeft = value; }

    /// <summary>Flip a byte in every blob body.</summary>
    public bool CorruptBlobs { get; set; }

    /// <summary>Replace the Content-Type of manifest responses.</summary>
    public string? ManifestContentType { get; set; }

    /// <summary>Demand <c>Authorization: Basic</c> with these credentials on every request to the registry address.</summary>
    public (string User, string Password)? RequireBasic { get; set; }

    /// <summary>Answer blob GETs with a 307 to the second listener.</summary>
    public bool RedirectBlobs { get; set; }

    /// <summary>Range headers seen on blob requests.</summary>
    public ConcurrentQueue<string> BlobRanges { get; } = new();

    /// <summary>Authorization headers that arrived at the redirect target (should stay empty).</summary>
    public ConcurrentQueue<string> AuthorizationAtRedirectTarget { get; } = new();

    public int RedirectedDownloads => _redirected;

    private int _redirected;
    private string _redirectAddress = "";

    public static async Task<RegistryProxy> StartAsync(string upstreamAddress)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0", "http://127.0.0.2:0");
        var app = builder.Build();
        var proxy = new RegistryProxy(app, new HttpClient { BaseAddress = new Uri($"http://{upstreamAddress}/") });
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        proxy.Address = new Uri(addresses.First(a => a.Contains("127.0.0.1", StringComparison.Ordinal))).Authority;
        proxy._redirectAddress = new Uri(addresses.First(a => a.Contains("127.0.0.2", StringComparison.Ordinal))).Authority;
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var atRedirectTarget = request.Host.Host == "127.0.0.2";
        if (atRedirectTarget)
        {
            if (request.Headers.Authorization.Count > 0)
            {
                AuthorizationAtRedirectTarget.Enqueue(request.Headers.Authorization.ToString());
            }

            Interlocked.Increment(ref _redirected);
        }
        else if (RequireBasic is { } basic)
        {
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.User}:{basic.Password}"));
            if (request.Headers.Authorization != expected)
            {
                context.Response.StatusCode = 401;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"flotilla-test\"";
                return;
            }
        }

        var isBlob = path.Contains("/blobs/sha256:", StringComparison.Ordinal) && request.Method == "GET";
        if (isBlob && RedirectBlobs && !atRedirectTarget)
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = $"http://{_redirectAddress}{path}";
            return;
        }

        using var upstreamRequest = new HttpRequestMessage(new HttpMethod(request.Method), path.TrimStart('/') + request.QueryString);
        foreach (var accept in request.Headers.Accept)
        {
            upstreamRequest.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (request.Headers.Range.Count > 0)
        {
            upstreamRequest.Headers.TryAddWithoutValidation("Range", request.Headers.Range.ToString());
        }

        if (isBlob)
        {
            BlobRanges.Enqueue(request.Headers.Range.ToString());
        }

        using var response = await _upstream.SendAsync(upstreamRequest, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        var contentType = response.Content.Headers.ContentType?.ToString();
        if (path.Contains("/manifests/", StringComparison.Ordinal) && ManifestContentType is not null)
        {
            contentType = ManifestContentType;
        }

        if (contentType is not null)
        {
            context.Response.ContentType = contentType;
        }

        if (response.Content.Headers.ContentRange is { } range)
        {
            context.Response.Headers.ContentRange = range.ToString();
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var digest))
        {
            context.Response.Headers["Docker-Content-Digest"] = digest.First();
        }

        if (isBlob && CorruptBlobs && body.Length > 0)
        {
            body[body.Length / 2] ^= 0xFF;
        }

        if (isBlob && body.Length > 1 && Interlocked.Decrement(ref _truncationsLeft) >= 0)
        {
            // A body that ends early but cleanly (chunked), as a broken proxy or a dropped upstream produces;
            // a reset connection would make the client's kernel discard the bytes already received.
            await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), context.RequestAborted);
            return;
        }

        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}

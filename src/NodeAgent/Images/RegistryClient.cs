using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// One pull's conversation with an OCI distribution registry: the <c>/v2/</c> ping, Basic or Bearer-token auth
/// from the <c>WWW-Authenticate</c> challenge, manifests by tag or digest, and blob downloads that follow
/// redirects (never carrying Authorization to another host) and resume or retry when a transfer breaks.
/// </summary>
internal sealed class RegistryClient(HttpClient http, ImageReference image, RegistryCredentials? credentials, bool plainHttp, int attempts)
{
    private const int MaxManifestBytes = 4 << 20;
    private const int MaxRedirects = 10;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);
    private readonly Uri _base = new($"{(plainHttp ? "http" : "https")}://{image.RegistryHost}/");
    private AuthenticationHeaderValue? _authorization;

    public string Registry => image.RegistryHost;

    /// <summary>Pings <c>/v2/</c> and, when the registry asks for it, obtains the credentials for pulling this repository.</summary>
    public async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "v2/", null, cancellationToken, allowAuthRetry: false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            await AnswerChallengeAsync(response, cancellationToken);
        }
        else if (!response.IsSuccessStatusCode)
        {
            throw new ImagePullException($"registry {Registry} answered the /v2/ ping with {(int)response.StatusCode} {response.ReasonPhrase}: is it an OCI distribution registry?");
        }
    }

    /// <summary>Fetches a manifest or index by tag or digest, verifying the digest when one was asked for.</summary>
    public async Task<FetchedManifest> GetManifestAsync(string reference, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"v2/{image.Repository}/manifests/{reference}", request => request.Headers.Accept.ParseAdd(MediaTypes.ManifestAccept), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ImagePullException($"manifest for {image.FamiliarName}:{reference} not found in registry {Registry}: check the name and tag");
        }

        EnsureSuccess(response, $"manifest {image.FamiliarName}:{reference}");
        if (response.Content.Headers.ContentLength > MaxManifestBytes)
        {
            throw new InvalidImageContentException($"manifest {image.FamiliarName}:{reference} is larger than {MaxManifestBytes} bytes; refused");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var digest = Digests.Of(body);
        if (Digests.IsValid(reference) && digest != reference)
        {
            throw new InvalidImageContentException($"manifest {image.FamiliarName}@{reference} from {Registry} has digest {digest}; refused");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var stated) && stated.FirstOrDefault() is { } header
            && header.StartsWith(Digests.Sha256Prefix, StringComparison.Ordinal) && header != digest)
        {
            throw new InvalidImageContentException($"manifest {image.FamiliarName}:{reference} from {Registry} has digest {digest}, but the registry states {header}; refused");
        }

        return new FetchedManifest(body, ManifestDocument.ResolveMediaType(response.Content.Headers.ContentType?.MediaType, body, $"manifest {image.FamiliarName}:{reference}"), digest);
    }

    /// <summary>Downloads a blob into <paramref name="writer"/>, resuming with a range request after a broken transfer.</summary>
    public async Task DownloadBlobAsync(OciDescriptor blob, BlobWriter writer, Action<long> progress, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DownloadOnceAsync(blob, writer, progress, cancellationToken);
                if (writer.Position == blob.Size)
                {
                    return;
                }

                throw new IOException($"blob {blob.Digest} ended after {writer.Position} of {blob.Size} bytes");
            }
            catch (Exception e) when (attempt < attempts && IsTransient(e, cancellationToken))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                throw new ImagePullException($"downloading blob {blob.Digest} from {Registry} failed {attempts} times; last error: {e.Message}", e);
            }
        }
    }

    private async Task DownloadOnceAsync(OciDescriptor blob, BlobWriter writer, Action<long> progress, CancellationToken cancellationToken)
    {
        var offset = writer.Position;
        using var response = await SendAsync(HttpMethod.Get, $"v2/{image.Repository}/blobs/{blob.Digest}", request =>
        {
            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }
        }, cancellationToken);

        if (response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == offset)
        {
            // Resuming: the server sends the rest.
        }
        else if (response.StatusCode == HttpStatusCode.OK || response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            if (offset > 0)
            {
                await writer.ResetAsync();
                progress(-offset);
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new IOException($"registry refused to resume blob {blob.Digest} at byte {offset}");
            }
        }
        else if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ImagePullException($"blob {blob.Digest} of {image.FamiliarName} not found in registry {Registry}");
        }
        else
        {
            EnsureSuccess(response, $"blob {blob.Digest}");
            throw new IOException($"unexpected status {(int)response.StatusCode} for blob {blob.Digest}");
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(IdleTimeout);
        await using var body = await response.Content.ReadAsStreamAsync(idle.Token);
        await writer.AppendAsync(body, idle.Token, read =>
        {
            idle.CancelAfter(IdleTimeout);
            progress(read);
        });
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException or TransientRegistryException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Sends a request, adding credentials only for the registry itself, and follows redirects by hand.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken, bool allowAuthRetry = true)
    {
        var uri = new Uri(_base, path);
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            using var request = new HttpRequestMessage(method, uri);
            configure?.Invoke(request);
            var sameOrigin = Uri.Compare(uri, _base, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
            if (sameOrigin && _authorization is not null)
            {
                request.Headers.Authorization = _authorization;
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e) when (hop == 0 && path == "v2/")
            {
                throw new ImagePullException($"cannot reach registry {Registry} at {_base}: {e.Message}", e);
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && sameOrigin && allowAuthRetry)
            {
                // A token that expired or lacks this scope: answer the new challenge once and retry.
                allowAuthRetry = false;
                await AnswerChallengeAsync(response, cancellationToken);
                response.Dispose();
                hop--;
                continue;
            }

            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                uri = new Uri(uri, location);
                response.Dispose();
                continue;
            }

            if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                response.Dispose();
                throw new TransientRegistryException($"registry {Registry} answered {status} for {uri.AbsolutePath}");
            }

            return response;
        }

        throw new ImagePullException($"registry {Registry} redirected {path} more than {MaxRedirects} times");
    }

    private async Task AnswerChallengeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var header = response.Headers.WwwAuthenticate.FirstOrDefault()
            ?? throw new ImagePullException($"registry {Registry} requires authentication but sent no WWW-Authenticate challenge");
        var challenge = AuthChallenge.Parse(header.Scheme, header.Parameter);
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            _authorization = credentials is null
                ? throw new ImagePullException($"registry {Registry} requires a user name and password: add them for '{Registry}' to the auth config file (Images:AuthConfigPath)")
                : BasicAuthorization(credentials);
            return;
        }

        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || challenge["realm"] is not { } realm)
        {
            throw new ImagePullException($"registry {Registry} asks for authentication scheme '{header.Scheme}', which Flotilla does not speak (it speaks Basic and Bearer)");
        }

        _authorization = new AuthenticationHeaderValue("Bearer", await FetchTokenAsync(realm, challenge["service"], cancellationToken));
    }

    private async Task<string> FetchTokenAsync(string realm, string? service, CancellationToken cancellationToken)
    {
        var query = new StringBuilder(realm.Contains('?', StringComparison.Ordinal) ? "&" : "?");
        if (service is not null)
        {
            query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        }

        query.Append("scope=").Append(Uri.EscapeDataString($"repository:{image.Repository}:pull"));
        if (!Uri.TryCreate(realm + query, UriKind.Absolute, out var tokenUri) || tokenUri.Scheme is not ("http" or "https"))
        {
            throw new ImagePullException($"registry {Registry} named token realm '{realm}', which is not an http(s) URL");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        if (credentials is not null)
        {
            request.Headers.Authorization = BasicAuthorization(credentials);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ImagePullException($"cannot reach the token service {tokenUri.GetLeftPart(UriPartial.Path)} of registry {Registry}: {e.Message}", e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new ImagePullException(credentials is null
                    ? $"registry {Registry} needs credentials to pull {image.FamiliarName}: add them to the auth config file (Images:AuthConfigPath)"
                    : $"the token service of registry {Registry} rejected the credentials of user '{credentials.Username}': check the auth config file");
            }

            EnsureSuccess(response, "token");
            using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            foreach (var name in (string[])["token", "access_token"])
            {
                if (document.RootElement.TryGetProperty(name, out var token) && token.GetString() is { Length: > 0 } value)
                {
                    return value;
                }
            }

            throw new ImagePullException($"the token service of registry {Registry} answered without a token");
        }
    }

    private void EnsureSuccess(HttpResponseMessage response, string what)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ImagePullException($"pull access denied for {image.FamiliarName} on {Registry}: the repository does not exist or needs credentials (auth config: Images:AuthConfigPath)");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new ImagePullException($"registry {Registry} answered {(int)response.StatusCode} {response.ReasonPhrase} for {what}");
        }
    }

    private static AuthenticationHeaderValue BasicAuthorization(RegistryCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));

    /// <summary>A 5xx or 429 answer: worth another attempt.</summary>
    internal sealed class TransientRegistryException(string message) : Exception(message);
}

/// <summary>A manifest or index as fetched: its bytes, its verified media type and its digest.</summary>
internal sealed record FetchedManifest(byte[] Body, string MediaType, string Digest);

using System.Net;
using System.Net.Http.Headers;

namespace Flotilla.TestSupport.Images;

/// <summary>The push half of the OCI distribution API: monolithic blob uploads, then the manifest.</summary>
internal static class RegistryPusher
{
    public static async Task<string> PushAsync(
        string registry, string repository, string reference, OciBlob manifest, IEnumerable<OciBlob> blobs, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://{registry}/"), Timeout = TimeSpan.FromSeconds(60) };
        foreach (var blob in blobs.DistinctBy(b => b.Digest))
        {
            await PushBlobAsync(client, repository, blob, cancellationToken);
        }

        using var content = new ByteArrayContent(manifest.ContentArray);
        content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        using var response = await client.PutAsync(new Uri($"v2/{repository}/manifests/{reference}", UriKind.Relative), content, cancellationToken);
        await EnsureAsync(response, HttpStatusCode.Created, $"PUT manifest {repository}:{reference}", cancellationToken);
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : manifest.Digest;
        if (digest != manifest.Digest)
        {
            throw new InvalidOperationException($"registry {registry} stored manifest {repository}:{reference} as {digest}, expected {manifest.Digest}");
        }

        return digest;
    }

    private static async Task PushBlobAsync(HttpClient client, string repository, OciBlob blob, CancellationToken cancellationToken)
    {
        using (var head = new HttpRequestMessage(HttpMethod.Head, new Uri($"v2/{repository}/blobs/{blob.Digest}", UriKind.Relative)))
        using (var exists = await client.SendAsync(head, cancellationToken))
        {
            if (exists.StatusCode == HttpStatusCode.OK)
            {
                return;
            }
        }

        Uri location;
        using (var start = await client.PostAsync(new Uri($"v2/{repository}/blobs/uploads/", UriKind.Relative), null, cancellationToken))
        {
            await EnsureAsync(start, HttpStatusCode.Accepted, $"POST upload for {repository}", cancellationToken);
            location = start.Headers.Location
                ?? throw new InvalidOperationException($"registry answered the upload start for {repository} without a Location header");
        }

        if (!location.IsAbsoluteUri)
        {
            location = new Uri(client.BaseAddress!, location);
        }

        var separator = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        using var content = new ByteArrayContent(blob.ContentArray);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var put = await client.PutAsync(new Uri($"{location}{separator}digest={Uri.EscapeDataString(blob.Digest)}"), content, cancellationToken);
        await EnsureAsync(put, HttpStatusCode.Created, $"PUT blob {blob.Digest} to {repository}", cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"{what}: registry answered {(int)response.StatusCode} {response.StatusCode}, expected {(int)expected}: {body}");
        }
    }
}

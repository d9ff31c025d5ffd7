using System.Diagnostics;
using System.Net;

namespace Flotilla.NodeAgent.Images;

internal sealed partial class ImageStore
{
    public async Task<ImageRecord> PullAsync(string reference, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        var started = Stopwatch.GetTimestamp();
        var bytesBefore = ImageMetrics.PullBytes;
        try
        {
            var client = new RegistryClient(_http, image, FindCredentials(image), IsPlainHttp(image.RegistryHost), _options.DownloadAttempts);
            await client.AuthenticateAsync(cancellationToken);
            var fetched = await client.GetManifestAsync(image.Digest ?? image.Tag!, cancellationToken);
            var repoDigest = image.FamiliarName + "@" + fetched.Digest;
            if (MediaTypes.IsIndex(fetched.MediaType))
            {
                var what = $"index {image.FamiliarName}@{fetched.Digest}";
                var selected = ManifestDocument.SelectPlatform(ManifestDocument.ParseIndex(fetched.Body, what), _options.Platform, what);
                fetched = await client.GetManifestAsync(selected.Digest, cancellationToken);
                ManifestDocument.Verify(selected, fetched, $"manifest {image.FamiliarName}@{selected.Digest}");
            }

            var manifest = ManifestDocument.ParseManifest(fetched.Body, fetched.MediaType, $"manifest {image.FamiliarName}@{fetched.Digest}");
            var request = new InstallRequest(fetched.Digest, fetched.MediaType, fetched.Body, manifest,
                image.FamiliarTag is { } tag ? [tag] : [], [repoDigest]);
            var stored = await InstallAsync(request, client.DownloadBlobAsync, progress, cancellationToken);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            ImageStoreLog.Pulled(_logger, image.ToString(), stored.Record.Id, seconds, ImageMetrics.PullBytes - bytesBefore);
            return stored.Record;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or RegistryClient.TransientRegistryException)
        {
            RecordFailure(reference, e);
            throw new ImagePullException($"pulling {image} from {image.RegistryHost} failed: {e.Message}", e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            RecordFailure(reference, e);
            throw;
        }
    }

    private void RecordFailure(string reference, Exception e)
    {
        ImageStoreLog.PullFailed(_logger, reference, e.Message);
    }

    private RegistryCredentials? FindCredentials(ImageReference image) =>
        _options.AuthConfigPath is { } path
            ? RegistryCredentialStore.Load(path).GetValueOrDefault(image.Domain)
            : null;

    /// <summary>Loopback registries and those configured as plain HTTP are spoken to without TLS, as docker does.</summary>
    private bool IsPlainHttp(string host)
    {
        if (_options.PlainHttpRegistries.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        var name = Uri.TryCreate("http://" + host, UriKind.Absolute, out var uri) ? uri.Host : host;
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}

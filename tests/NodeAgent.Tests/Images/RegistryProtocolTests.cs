using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>Pull over the distribution protocol when the transport or the registry misbehaves.</summary>
[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class RegistryProtocolTests(PushedRegistry registry) : IClassFixture<PushedRegistry>
{
    [Fact]
    public async Task Pull_TruncatedDownloads_AreResumedWithRangeRequests()
    {
        await using var proxy = await RegistryProxy.StartAsync(registry.Address);
        proxy.TruncateBlobDownloads = 2;
        await using var store = new TestImageStore();

        var image = await store.Store.PullAsync($"{proxy.Address}/busybox:layered", null, CancellationToken.None);

        Assert.Equal(TestImages.Layered.Config.Digest, image.Id);
        Assert.Contains(proxy.BlobRanges, r => r.StartsWith("bytes=", StringComparison.Ordinal) && !r.StartsWith("bytes=0-", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(store.Store.GetLayerDirectories(image)[0], "bin/busybox")));
        Assert.Empty(store.Leftovers);
    }

    [Fact]
    public async Task Pull_DownloadsThatKeepBreaking_FailAndStoreNothingHalfWritten()
    {
        await using var proxy = await RegistryProxy.StartAsync(registry.Address);
        proxy.TruncateBlobDownloads = int.MaxValue;
        await using var store = new TestImageStore(o => o.DownloadAttempts = 2);

        var error = await Assert.ThrowsAsync<ImagePullException>(() => store.Store.PullAsync($"{proxy.Address}/busybox:1.0", null, CancellationToken.None));

        Assert.Contains("failed 2 times", error.Message, StringComparison.Ordinal);
        Assert.Empty(store.Store.List());
        Assert.Empty(store.Blobs);
        Assert.Empty(store.Layers);
        Assert.Empty(store.Leftovers);
    }

    [Fact]
    public async Task Pull_BlobNotMatchingItsDigest_IsRefusedAndNotStored()
    {
        await using var proxy = await RegistryProxy.StartAsync(registry.Address);
        proxy.CorruptBlobs = true;
        await using var store = new TestImageStore();

        var error = await Assert.ThrowsAsync<InvalidImageContentException>(() => store.Store.PullAsync($"{proxy.Address}/busybox:layered", null, CancellationToken.None));

        Assert.Contains("has digest", error.Message, StringComparison.Ordinal);
        Assert.Empty(store.Blobs);
        Assert.Empty(store.Layers);
        Assert.Empty(store.Leftovers);
    }

    [Theory]
    [InlineData("application/vnd.example.unknown+json", "is served as application/vnd.example.unknown+json but declares mediaType")]
    [InlineData("application/vnd.docker.distribution.manifest.v2+json", "but declares mediaType application/vnd.oci.image.manifest.v1+json")]
    public async Task Pull_ManifestOfUnknownOrMismatchedType_IsRefusedClearly(string contentType, string message)
    {
        await using var proxy = await RegistryProxy.StartAsync(registry.Address);
        proxy.ManifestContentType = contentType;
        await using var store = new TestImageStore();

        var error = await Assert.ThrowsAsync<InvalidImageContentException>(() => store.Store.PullAsync($"{proxy.Address}/busybox:1.0", null, CancellationToken.None));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Empty(store.Blobs);
    }

    [Fact]
    public async Task Pull_BasicAuthWithRedirectedBlobs_SendsCredentialsOnlyToTheRegistry()
    {
        await using var proxy = await RegistryProxy.StartAsync(registry.Address);
        proxy.RequireBasic = ("alice", "s3cret");
        proxy.RedirectBlobs = true;
        var auth = Path.Combine(Path.GetTempPath(), $"flotilla-auth-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(auth, """{"auths": {""" + $"\"{proxy.Address}\"" + """: {"username": "alice", "password": "s3cret"}}}""");
        try
        {
            await using var store = new TestImageStore(o => o.AuthConfigPath = auth);

            var image = await store.Store.PullAsync($"{proxy.Address}/busybox:layered", null, CancellationToken.None);

            Assert.Equal(TestImages.Layered.Config.Digest, image.Id);
            Assert.True(proxy.RedirectedDownloads >= TestImages.Layered.Layers.Count + 1, "config and layers came through the redirect");
            Assert.Empty(proxy.AuthorizationAtRedirectTarget);
        }
        finally
        {
            File.Delete(auth);
        }
    }

    [Fact]
    public async Task Pull_BasicAuthWithoutCredentials_SaysWhereToPutThem()
    {
        await using var proxy = await RegistryProxy.StartAsync(registry.Address);
        proxy.RequireBasic = ("alice", "s3cret");
        await using var store = new TestImageStore();

        var error = await Assert.ThrowsAsync<ImagePullException>(() => store.Store.PullAsync($"{proxy.Address}/busybox:1.0", null, CancellationToken.None));

        Assert.Contains("AuthConfigPath", error.Message, StringComparison.Ordinal);
    }
}

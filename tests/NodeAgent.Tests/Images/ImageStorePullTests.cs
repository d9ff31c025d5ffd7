using System.Collections.Concurrent;
using System.Security.Cryptography;
using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Registry;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>Pulls the standard test images from a real registry (Debian's docker-registry) into a real store.</summary>
[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class ImageStorePullTests(PushedRegistry registry) : IClassFixture<PushedRegistry>
{
    [Fact]
    public async Task Pull_LayeredImage_StoresVerifiedBlobsUnpackedLayersAndConfig()
    {
        await using var store = new TestImageStore();
        var progress = new RecordingProgress();
        var bytesBefore = ImageMetrics.PullBytes;
        var expected = TestImages.Layered;

        var image = await store.Store.PullAsync(registry.Reference("busybox", "layered"), progress, CancellationToken.None);

        Assert.Equal(expected.Config.Digest, image.Id);
        Assert.Equal([registry.Reference("busybox", "layered")], image.RepoTags);
        Assert.Equal([$"{registry.Address}/busybox@{expected.Manifest.Digest}"], image.RepoDigests);
        Assert.Equal(["sh"], image.Config.Cmd);
        Assert.Contains(image.Config.Env, e => e.StartsWith("PATH=", StringComparison.Ordinal));
        Assert.Equal(expected.Layers.Select(l => l.DiffId), image.DiffIds);
        Assert.Equal(expected.Platform.Architecture, image.Architecture);
        Assert.Equal(LayerBuilder.Timestamp, image.Created);
        foreach (var blob in expected.Blobs)
        {
            var stored = await File.ReadAllBytesAsync(store.BlobPath(blob.Digest));
            Assert.Equal(blob.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stored)));
        }

        var layers = store.Store.GetLayerDirectories(image);
        Assert.Equal(3, layers.Count);
        Assert.True(File.Exists(Path.Combine(layers[0], "bin/busybox")));
        Assert.Equal("keep\n", await File.ReadAllTextAsync(Path.Combine(layers[1], "data/keep.txt")));
        Assert.Equal("layer 3\n", await File.ReadAllTextAsync(Path.Combine(layers[2], "etc/motd")));
        Assert.Empty(store.Leftovers);

        foreach (var layer in expected.Layers)
        {
            var reports = progress.For(layer.Blob.Digest);
            Assert.Contains(reports, r => r.Status == "Pull complete" && r.Current == layer.Blob.Size && r.Percent == 100);
            Assert.All(reports, r => Assert.Equal(layer.Blob.Size, r.Total));
        }

        Assert.True(ImageMetrics.PullBytes - bytesBefore >= expected.Layers.Sum(l => l.Blob.Size));
    }

    [Theory]
    [InlineData("busybox", "zstd")]
    [InlineData("busybox", "docker")]
    [InlineData("busybox", "multi")]
    [InlineData("httpd", "1.0")]
    public async Task Pull_EveryManifestKindAndCompression_GivesARunnableRootfs(string repository, string tag)
    {
        await using var store = new TestImageStore();

        var image = await store.Store.PullAsync(registry.Reference(repository, tag), null, CancellationToken.None);

        Assert.Equal(TestImages.Busybox.Platform.Architecture, image.Architecture);
        var bottom = store.Store.GetLayerDirectories(image)[0];
        Assert.Equal(new FileInfo("/bin/busybox").Length, new FileInfo(Path.Combine(bottom, "bin/busybox")).Length);
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(bottom, "bin/sh")).LinkTarget);
    }

    [Fact]
    public async Task Pull_Index_RecordsTheIndexDigestAndThePlatformImage()
    {
        await using var store = new TestImageStore();

        var image = await store.Store.PullAsync(registry.Reference("busybox", "multi"), null, CancellationToken.None);

        Assert.Equal(TestImages.Busybox.Config.Digest, image.Id);
        Assert.Equal([$"{registry.Address}/busybox@{TestImages.MultiPlatform.Index.Digest}"], image.RepoDigests);
    }

    [Fact]
    public async Task Pull_Again_ReusesEveryLayer()
    {
        await using var store = new TestImageStore();
        await store.Store.PullAsync(registry.Reference("busybox", "layered"), null, CancellationToken.None);
        var progress = new RecordingProgress();

        await store.Store.PullAsync(registry.Reference("busybox", "layered"), progress, CancellationToken.None);

        Assert.All(TestImages.Layered.Layers, l => Assert.Equal(["Already exists"], progress.For(l.Blob.Digest).Select(r => r.Status)));
    }

    [Fact]
    public async Task Pull_ConcurrentPullsOfOneImage_AllSucceedWithOneCopy()
    {
        await using var store = new TestImageStore();

        var images = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => store.Store.PullAsync(registry.Reference("busybox", "layered"), null, CancellationToken.None)));

        Assert.Single(images.Select(i => i.Id).Distinct());
        Assert.Equal(3, store.Layers.Count());
        Assert.Single(store.Store.List());
        Assert.Empty(store.Leftovers);
    }

    [Fact]
    public async Task Find_ByTagDigestAndId()
    {
        await using var store = new TestImageStore();
        var image = await store.Store.PullAsync(registry.Reference("busybox", "1.0"), null, CancellationToken.None);

        Assert.Equal(image, store.Store.Find(registry.Reference("busybox", "1.0")));
        Assert.Equal(image, store.Store.Find($"{registry.Address}/busybox@{TestImages.Busybox.Manifest.Digest}"));
        Assert.Equal(image, store.Store.Find(image.Id));
        Assert.Equal(image, store.Store.Find(image.Id["sha256:".Length..][..12]));
        Assert.Null(store.Store.Find(registry.Reference("busybox", "nope")));
        Assert.Equal([image], store.Store.List());
    }

    [Fact]
    public async Task Images_SharingALowerLayer_UnpackItOnceAndKeepItWhileUsed()
    {
        await using var store = new TestImageStore();
        var busybox = await store.Store.PullAsync(registry.Reference("busybox", "1.0"), null, CancellationToken.None);
        var httpd = await store.Store.PullAsync(registry.Reference("httpd", "1.0"), null, CancellationToken.None);

        Assert.Equal(busybox.ChainIds[0], httpd.ChainIds[0]);
        Assert.Equal(2, store.Layers.Count());

        await store.Store.RemoveAsync(registry.Reference("httpd", "1.0"), force: false, CancellationToken.None);

        Assert.Single(store.Layers);
        Assert.True(File.Exists(Path.Combine(store.Store.GetLayerDirectories(busybox)[0], "bin/busybox")));
    }

    [Fact]
    public async Task Remove_WhileAContainerUsesIt_IsRefusedUnlessForced()
    {
        await using var store = new TestImageStore();
        var reference = registry.Reference("busybox", "layered");
        var image = await store.Store.PullAsync(reference, null, CancellationToken.None);
        store.Usage.Use(image.Id, "web-1");

        var error = await Assert.ThrowsAsync<ImageInUseException>(() => store.Store.RemoveAsync(reference, force: false, CancellationToken.None));
        Assert.Equal("web-1", error.ContainerName);
        Assert.NotNull(store.Store.Find(reference));

        await store.Store.RemoveAsync(reference, force: true, CancellationToken.None);
        await store.Store.CollectGarbageAsync(CancellationToken.None);

        Assert.Null(store.Store.Find(reference));
        Assert.All(store.Store.GetLayerDirectories(image), d => Assert.True(Directory.Exists(d), "a running container's layers stay"));

        store.Usage.Release(image.Id);
        await store.Store.RemoveAsync(image.Id, force: false, CancellationToken.None);

        Assert.Empty(store.Store.List());
        Assert.Empty(store.Blobs);
        Assert.Empty(store.Layers);
    }

    [Fact]
    public async Task Remove_OneOfTwoTags_OnlyUntags()
    {
        await using var store = new TestImageStore();
        await store.Store.PullAsync(registry.Reference("busybox", "1.0"), null, CancellationToken.None);
        var image = await store.Store.PullAsync(registry.Reference("busybox", "latest"), null, CancellationToken.None);
        Assert.Equal(2, image.RepoTags.Count);

        await store.Store.RemoveAsync(registry.Reference("busybox", "latest"), force: false, CancellationToken.None);

        Assert.Equal([registry.Reference("busybox", "1.0")], store.Store.Find(image.Id)!.RepoTags);
        Assert.Single(store.Layers);
    }

    [Fact]
    public async Task CollectGarbage_RemovesOnlyUnreferencedBlobsAndLayers()
    {
        await using var store = new TestImageStore();
        var image = await store.Store.PullAsync(registry.Reference("busybox", "1.0"), null, CancellationToken.None);
        var stray = Path.Combine(store.StateDirectory, "layers", new string('e', 64));
        Directory.CreateDirectory(stray);
        await File.WriteAllTextAsync(store.BlobPath("sha256:" + new string('f', 64)), "stray");

        var result = await store.Store.CollectGarbageAsync(CancellationToken.None);

        Assert.Equal(1, result.BlobsRemoved);
        Assert.Equal(1, result.LayersRemoved);
        Assert.False(Directory.Exists(stray));
        Assert.Equal(3, store.Blobs.Count());
        Assert.True(Directory.Exists(store.Store.GetLayerDirectories(image)[0]));
    }

    [Fact]
    public async Task Pull_UnknownTag_FailsWithClearError()
    {
        await using var store = new TestImageStore();

        var error = await Assert.ThrowsAsync<ImagePullException>(() => store.Store.PullAsync(registry.Reference("busybox", "missing"), null, CancellationToken.None));

        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
        Assert.Empty(store.Store.List());
    }

    [Fact]
    public async Task Pull_UnreachableRegistry_FailsWithClearError()
    {
        await using var store = new TestImageStore();

        var error = await Assert.ThrowsAsync<ImagePullException>(() => store.Store.PullAsync("127.0.0.1:1/busybox:1.0", null, CancellationToken.None));

        Assert.Contains("cannot reach registry 127.0.0.1:1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_Reopened_KnowsItsImages()
    {
        var state = Path.Combine(Path.GetTempPath(), $"flotilla-images-{Guid.NewGuid():N}");
        try
        {
            ImageRecord pulled;
            await using (var first = new TestImageStore(o => o.StateDirectory = state))
            {
                pulled = await first.Store.PullAsync(registry.Reference("busybox", "1.0"), null, CancellationToken.None);
            }

            await using var second = new TestImageStore(o => o.StateDirectory = state);

            Assert.Equal(pulled.Id, second.Store.Find(registry.Reference("busybox", "1.0"))?.Id);
            Assert.True(File.Exists(Path.Combine(second.Store.GetLayerDirectories(pulled)[0], "bin/busybox")));
        }
        finally
        {
            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }
        }
    }
}

/// <summary>A registry with every standard test image pushed.</summary>
public sealed class PushedRegistry : IAsyncLifetime
{
    private RegistryFixture? _registry;

    public string Address => _registry!.Address;

    public string Reference(string repository, string tag) => _registry!.Reference(repository, tag);

    public async Task InitializeAsync()
    {
        _registry = await RegistryFixture.StartAsync();
        await TestImages.PushAllAsync(_registry.Address);
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class RecordingProgress : IProgress<PullProgress>
{
    private readonly ConcurrentQueue<PullProgress> _reports = new();

    public void Report(PullProgress value) => _reports.Enqueue(value);

    public IReadOnlyList<PullProgress> For(string digest) => [.. _reports.Where(r => r.Digest == digest)];
}

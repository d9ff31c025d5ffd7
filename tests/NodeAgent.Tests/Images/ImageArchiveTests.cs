using System.Formats.Tar;
using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>Loading OCI layouts and docker-save archives (ours and real docker's), saving OCI layouts.</summary>
[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class ImageArchiveTests : IAsyncLifetime
{
    private readonly TestImageStore _store = new();
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"flotilla-archives-{Guid.NewGuid():N}");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Load_OciLayout_StoresTheImageByConfigDigest()
    {
        var layout = Path.Combine(_work, "layout");
        await TestImages.BusyboxZstd.WriteOciLayoutAsync(layout, "zstd");

        var image = Assert.Single(await _store.Store.LoadAsync(layout, CancellationToken.None));

        Assert.Equal(TestImages.BusyboxZstd.Config.Digest, image.Id);
        Assert.Equal(["sh"], image.Config.Cmd);
        Assert.True(File.Exists(Path.Combine(_store.Store.GetLayerDirectories(image)[0], "bin/busybox")));
    }

    [Fact]
    public async Task Load_DockerArchive_TagsAndUnpacksTheImage()
    {
        var archive = Path.Combine(_work, "layered.tar");
        await TestImages.Layered.WriteDockerArchiveAsync(archive, "flotilla-test/layered:1.0");

        var image = Assert.Single(await _store.Store.LoadAsync(archive, CancellationToken.None));

        Assert.Equal(TestImages.Layered.Config.Digest, image.Id);
        Assert.Equal(["flotilla-test/layered:1.0"], image.RepoTags);
        Assert.Equal(image, _store.Store.Find("flotilla-test/layered:1.0"));
        Assert.Equal("layer 3\n", await File.ReadAllTextAsync(Path.Combine(_store.Store.GetLayerDirectories(image)[2], "etc/motd")));
    }

    [Fact]
    public async Task Load_RealDockerSave_OfAnImportedRootfs()
    {
        var name = $"flotilla-test/images-{Guid.NewGuid():N}"[..36] + ":1";
        var rootfs = Path.Combine(_work, "rootfs.tar");
        await File.WriteAllBytesAsync(rootfs, new LayerBuilder().File("hello.txt", "from docker\n").Symlink("link", "hello.txt").ToTar());
        await ProcessRunner.RunCheckedAsync("docker", ["import", rootfs, name]);
        try
        {
            var dockerId = (await ProcessRunner.RunCheckedAsync("docker", ["image", "inspect", "--format", "{{.Id}}", name])).StandardOutput.Trim();
            var archive = Path.Combine(_work, "saved.tar");
            await ProcessRunner.RunCheckedAsync("docker", ["save", "-o", archive, name]);

            var image = Assert.Single(await _store.Store.LoadAsync(archive, CancellationToken.None));

            Assert.Equal(dockerId, image.Id);
            Assert.Equal([name], image.RepoTags);
            Assert.Equal("from docker\n", await File.ReadAllTextAsync(Path.Combine(_store.Store.GetLayerDirectories(image)[0], "link")));
        }
        finally
        {
            await ProcessRunner.RunAsync("docker", ["rmi", "-f", name]);
        }
    }

    [Fact]
    public async Task Save_OciLayout_LoadsBackIdenticallyAndSkopeoReadsIt()
    {
        var archive = Path.Combine(_work, "layered.tar");
        await TestImages.Layered.WriteDockerArchiveAsync(archive, "flotilla-test/layered:2.0");
        var loaded = Assert.Single(await _store.Store.LoadAsync(archive, CancellationToken.None));
        var layout = Path.Combine(_work, "saved-layout");

        await _store.Store.SaveOciLayoutAsync("flotilla-test/layered:2.0", layout, CancellationToken.None);

        var inspect = await ProcessRunner.RunCheckedAsync("skopeo", ["inspect", "--config", $"oci:{layout}:2.0"]);
        Assert.Contains("\"sh\"", inspect.StandardOutput, StringComparison.Ordinal);
        await using var other = new TestImageStore();
        var reloaded = Assert.Single(await other.Store.LoadAsync(layout, CancellationToken.None));
        Assert.Equal(loaded.Id, reloaded.Id);
        Assert.Equal(["flotilla-test/layered:2.0"], reloaded.RepoTags);
        Assert.Equal(loaded.DiffIds, reloaded.DiffIds);
    }

    [Fact]
    public async Task SaveArchive_ToAStreamLikeAnHttpResponse_LoadsBackIntoAnotherStore()
    {
        var archive = Path.Combine(_work, "layered.tar");
        await TestImages.Layered.WriteDockerArchiveAsync(archive, "flotilla-test/layered:3.0");
        var loaded = Assert.Single(await _store.Store.LoadAsync(archive, CancellationToken.None));
        using var saved = new MemoryStream();

        await _store.Store.SaveArchiveAsync(["flotilla-test/layered:3.0"], new AsyncOnlyStream(saved), CancellationToken.None);

        await using var other = new TestImageStore();
        saved.Position = 0;
        var reloaded = Assert.Single(await other.Store.LoadAsync(saved, CancellationToken.None));
        Assert.Equal(loaded.Id, reloaded.Id);
        Assert.Equal(["flotilla-test/layered:3.0"], reloaded.RepoTags);
        Assert.Equal("layer 3\n", await File.ReadAllTextAsync(Path.Combine(other.Store.GetLayerDirectories(reloaded)[2], "etc/motd")));
        Assert.Empty(_store.Leftovers);
    }

    [Fact]
    public async Task Load_ArchiveWithHostileLayer_IsRefusedAndLeavesNothing()
    {
        var hostile = new OciImageBuilder()
            .AddLayer(l => l.Symlink("etc", "/etc").RawEntry(TarEntryType.RegularFile, "etc/flotilla-pwned", "x"u8.ToArray()))
            .Build();
        var archive = Path.Combine(_work, "hostile.tar");
        await hostile.WriteDockerArchiveAsync(archive, "flotilla-test/hostile:1");

        await Assert.ThrowsAsync<InvalidImageContentException>(() => _store.Store.LoadAsync(archive, CancellationToken.None));

        Assert.False(File.Exists("/etc/flotilla-pwned"));
        Assert.Empty(_store.Store.List());
        Assert.Empty(_store.Blobs);
        Assert.Empty(_store.Layers);
        Assert.Empty(_store.Leftovers);
    }

    [Fact]
    public async Task Load_ArchiveWithEntryOutsideIt_IsRefused()
    {
        var archive = Path.Combine(_work, "escape.tar");
        await using (var file = File.Create(archive))
        await using (var writer = new TarWriter(file))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "../../escape.json") { DataStream = new MemoryStream("[]"u8.ToArray()) });
        }

        var error = await Assert.ThrowsAsync<InvalidImageContentException>(() => _store.Store.LoadAsync(archive, CancellationToken.None));

        Assert.Contains("'..'", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Leftovers);
    }

    /// <summary>Writes only asynchronously and cannot seek, as Kestrel's response body.</summary>
    private sealed class AsyncOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous write");

        public override void Flush() => throw new InvalidOperationException("synchronous flush");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

using System.Security.Cryptography;
using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;

namespace Flotilla.NodeAgent.Tests.Images;

[Trait(TestCategories.Name, TestCategories.Unit)]
public sealed class ContentStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"flotilla-content-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Write_MatchingDigest_StoresBlobUnderItsDigest()
    {
        var store = new ContentStore(_directory);
        var content = RandomNumberGenerator.GetBytes(100_000);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

        var written = await store.WriteAsync(content, digest, "test blob", CancellationToken.None);

        Assert.Equal(digest, written);
        Assert.Equal(content, await File.ReadAllBytesAsync(store.BlobPath(digest)));
        Assert.True(store.Exists(digest, content.Length));
    }

    [Fact]
    public async Task Write_WrongDigest_IsRefusedAndNothingIsStored()
    {
        var store = new ContentStore(_directory);
        var content = RandomNumberGenerator.GetBytes(10_000);
        var claimed = "sha256:" + Convert.ToHexStringLower(SHA256.HashData("something else"u8));

        var error = await Assert.ThrowsAsync<InvalidImageContentException>(() => store.WriteAsync(content, claimed, "test blob", CancellationToken.None));

        Assert.Contains("digest", error.Message, StringComparison.Ordinal);
        Assert.Empty(store.List());
        Assert.False(File.Exists(store.BlobPath(claimed)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.IngestDirectory));
    }

    [Fact]
    public async Task Write_SizeBeyondDescriptor_IsRefusedAndNothingIsStored()
    {
        var store = new ContentStore(_directory);
        var content = RandomNumberGenerator.GetBytes(10_000);
        using var source = new MemoryStream(content);

        await Assert.ThrowsAsync<InvalidImageContentException>(() => store.WriteAsync(source, null, 9_999, "test blob", CancellationToken.None));

        Assert.Empty(store.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.IngestDirectory));
    }

    [Fact]
    public async Task Write_ShortOfDescriptorSize_IsRefused()
    {
        var store = new ContentStore(_directory);
        using var source = new MemoryStream(RandomNumberGenerator.GetBytes(500));

        await Assert.ThrowsAsync<InvalidImageContentException>(() => store.WriteAsync(source, null, 1000, "test blob", CancellationToken.None));

        Assert.Empty(store.List());
    }
}

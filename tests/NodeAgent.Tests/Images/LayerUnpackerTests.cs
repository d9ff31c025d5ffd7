using System.Formats.Tar;
using System.Runtime.Versioning;
using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Compression = Flotilla.TestSupport.Images.LayerCompression;

namespace Flotilla.NodeAgent.Tests.Images;

[Trait(TestCategories.Name, TestCategories.Unit)]
[SupportedOSPlatform("linux")]
public sealed class LayerUnpackerTests : IDisposable
{
    private readonly LayerFixtures _layers = new();

    public void Dispose() => _layers.Dispose();

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    [InlineData(Compression.None)]
    public async Task Unpack_KeepsFilesSymlinksHardLinksAndModes(Compression compression)
    {
        var tar = new LayerBuilder()
            .File("data/keep.txt", "keep\n")
            .File("bin/tool", "#!/bin/sh\n", (UnixFileMode)0b100_111_101_101) // 04755: setuid
            .Directory("tmp", (UnixFileMode)0b1_111_111_111)                  // 01777: sticky
            .Symlink("data/link", "keep.txt")
            .Symlink("data/abs", "/etc/passwd")
            .Hardlink("data/hard", "data/keep.txt")
            .ToTar();

        var root = await _layers.UnpackAsync(tar, compression);

        Assert.Equal("keep\n", await File.ReadAllTextAsync(Path.Combine(root, "data/keep.txt")));
        Assert.Equal("keep.txt", new FileInfo(Path.Combine(root, "data/link")).LinkTarget);
        Assert.Equal("/etc/passwd", new FileInfo(Path.Combine(root, "data/abs")).LinkTarget);
        Assert.True(File.GetUnixFileMode(Path.Combine(root, "bin/tool")).HasFlag(UnixFileMode.SetUser));
        Assert.Equal((UnixFileMode)0b1_111_111_111, File.GetUnixFileMode(Path.Combine(root, "tmp")));
        Assert.Equal(LayerBuilder.Timestamp, new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(root, "data/keep.txt"))));
        await File.AppendAllTextAsync(Path.Combine(root, "data/hard"), "shared inode\n");
        Assert.Equal("keep\nshared inode\n", await File.ReadAllTextAsync(Path.Combine(root, "data/keep.txt")));
    }

    [Fact]
    public async Task Unpack_DotDotEntry_IsRefusedAndLeavesNothing()
    {
        var tar = new LayerBuilder().File("ok.txt", "ok").RawEntry(TarEntryType.RegularFile, "data/../../escape.txt", "pwned"u8.ToArray()).ToTar();

        await AssertRefusedAsync(tar, "'..'");
    }

    [Fact]
    public async Task Unpack_AbsoluteEntry_IsRefusedAndLeavesNothing()
    {
        var target = Path.Combine(_layers.Outside, "absolute.txt");
        var tar = new LayerBuilder().File("ok.txt", "ok").RawEntry(TarEntryType.RegularFile, target, "pwned"u8.ToArray()).ToTar();

        await AssertRefusedAsync(tar, "absolute");
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Unpack_WriteThroughSymlink_IsRefusedAndLeavesNothing()
    {
        var tar = new LayerBuilder()
            .Symlink("escape", _layers.Outside)
            .RawEntry(TarEntryType.RegularFile, "escape/pwned.txt", "pwned"u8.ToArray())
            .ToTar();

        await AssertRefusedAsync(tar, "symlink");
    }

    [Fact]
    public async Task Unpack_RelativeSymlinkUpThenWrite_IsRefused()
    {
        var tar = new LayerBuilder()
            .Directory("a")
            .Symlink("a/up", "../../../outside")
            .RawEntry(TarEntryType.RegularFile, "a/up/pwned.txt", "pwned"u8.ToArray())
            .ToTar();

        await AssertRefusedAsync(tar, "symlink");
    }

    [Fact]
    public async Task Unpack_HardLinkToOutside_IsRefusedAndLeavesNothing()
    {
        var secret = Path.Combine(_layers.Outside, "secret");
        await File.WriteAllTextAsync(secret, "secret");
        var tar = new LayerBuilder().RawEntry(TarEntryType.HardLink, "stolen", linkName: "../../outside/secret").ToTar();

        await AssertRefusedAsync(tar, "'..'");
    }

    [Fact]
    public async Task Unpack_HardLinkThroughSymlink_IsRefused()
    {
        var secret = Path.Combine(_layers.Outside, "secret");
        await File.WriteAllTextAsync(secret, "secret");
        var tar = new LayerBuilder()
            .Symlink("out", _layers.Outside)
            .RawEntry(TarEntryType.HardLink, "stolen", linkName: "out/secret")
            .ToTar();

        await AssertRefusedAsync(tar, "symlink");
        Assert.Equal("secret", await File.ReadAllTextAsync(secret));
    }

    [Fact]
    public async Task Unpack_AbsoluteHardLinkTarget_IsRefused()
    {
        var tar = new LayerBuilder().RawEntry(TarEntryType.HardLink, "passwd", linkName: "/etc/passwd").ToTar();

        await AssertRefusedAsync(tar, "absolute");
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task Unpack_TarBombBeyondLimit_IsRefusedAndLeavesNothing(Compression compression)
    {
        var tar = new LayerBuilder().File("zeros", new byte[4 << 20]).ToTar(); // Compresses to a few KiB.

        var error = await Assert.ThrowsAsync<InvalidImageContentException>(() => _layers.UnpackAsync(tar, compression, maxBytes: 1 << 20));

        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(LayerFixtures.DigestOf(tar));
    }

    [Fact]
    public async Task Unpack_ContentNotMatchingDiffId_IsRefusedAndLeavesNothing()
    {
        var tar = new LayerBuilder().File("a.txt", "a").ToTar();
        var claimed = LayerFixtures.DigestOf("other"u8);
        var blob = Path.Combine(_layers.Blobs, "blob");
        await File.WriteAllBytesAsync(blob, tar);

        var error = await Assert.ThrowsAsync<InvalidImageContentException>(() => _layers.Store.EnsureAsync(claimed, claimed, blob, 1 << 20, CancellationToken.None));

        Assert.Contains("diff id", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(claimed);
    }

    [Fact]
    public async Task Unpack_GarbageInsteadOfTar_IsRefusedClearly()
    {
        var garbage = LayerFixtures.Compress(System.Text.Encoding.ASCII.GetBytes(new string('x', 5000)), Compression.Gzip);
        var blob = Path.Combine(_layers.Blobs, "blob");
        await File.WriteAllBytesAsync(blob, garbage);
        var id = LayerFixtures.DigestOf(garbage);

        await Assert.ThrowsAsync<InvalidImageContentException>(() => _layers.Store.EnsureAsync(id, id, blob, 1 << 20, CancellationToken.None));

        AssertNothingLeft(id);
    }

    [Fact]
    public async Task Ensure_ConcurrentUnpacksOfOneLayer_UnpackItOnceAndCompletely()
    {
        var tar = new LayerBuilder().File("big", new byte[2 << 20]).File("small", "s").ToTar();
        var blob = Path.Combine(_layers.Blobs, "blob");
        await File.WriteAllBytesAsync(blob, LayerFixtures.Compress(tar, Compression.Gzip));
        var id = LayerFixtures.DigestOf(tar);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => _layers.Store.EnsureAsync(id, id, blob, 1 << 30, CancellationToken.None))));

        Assert.Single(results, unpacked => unpacked);
        Assert.Equal(2 << 20, new FileInfo(Path.Combine(_layers.Store.DiffPath(id), "big")).Length);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_layers.LayerTemp));
    }

    private async Task AssertRefusedAsync(byte[] tar, string reason)
    {
        var error = await Assert.ThrowsAsync<InvalidImageContentException>(() => _layers.UnpackAsync(tar));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        AssertNothingLeft(LayerFixtures.DigestOf(tar));
    }

    private void AssertNothingLeft(string chainId)
    {
        Assert.False(_layers.Store.Exists(chainId));
        Assert.False(Directory.Exists(Path.GetDirectoryName(_layers.Store.DiffPath(chainId))));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_layers.LayerTemp));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_layers.Outside), p => Path.GetFileName(p) != "secret");
    }
}

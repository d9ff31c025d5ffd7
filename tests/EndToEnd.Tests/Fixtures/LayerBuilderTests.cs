using System.Formats.Tar;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;

namespace Flotilla.EndToEnd.Tests.Fixtures;

[Trait(TestCategories.Name, TestCategories.Unit)]
public sealed class LayerBuilderTests
{
    [Fact]
    public async Task Entries_GetTheirParentDirectoriesFirst_AndWhiteoutsTheirOciNames()
    {
        var tar = new LayerBuilder()
            .File("a/b/c.txt", "c")
            .Whiteout("a/gone")
            .OpaqueDirectory("a/opaque")
            .ToTar();

        var entries = await ReadAsync(tar);

        Assert.Equal(
            ["a/", "a/b/", "a/b/c.txt", "a/.wh.gone", "a/opaque/", "a/opaque/.wh..wh..opq"],
            entries.Select(e => e.Name));
        Assert.Equal(TarEntryType.Directory, entries[0].EntryType);
        Assert.All(entries, e => Assert.Equal(0, e.Uid));
    }

    [Fact]
    public void SameInput_MakesTheSameDigest()
    {
        static OciImage Build() => new OciImageBuilder().AddLayer(l => l.File("x", "1")).WithCmd("x").Build();

        Assert.Equal(Build().Manifest.Digest, Build().Manifest.Digest);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/./b")]
    [InlineData("/")]
    public void PathsLeavingTheRoot_AreRejected(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => new LayerBuilder().File(path, "x"));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RawEntry_KeepsAHostileNameAsGiven()
    {
        var tar = new LayerBuilder().RawEntry(TarEntryType.RegularFile, "../escape", "x"u8.ToArray()).ToTar();

        Assert.Equal("../escape", (await ReadAsync(tar)).Single().Name);
    }

    private static async Task<List<TarEntry>> ReadAsync(byte[] tar)
    {
        var entries = new List<TarEntry>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }
}

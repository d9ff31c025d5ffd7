using System.Formats.Tar;
using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>
/// Layers unpacked on their own, as root: whiteouts become overlayfs whiteouts, and a real overlay mount
/// of the layer directories shows what the image spec says the merged filesystem holds.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class OverlayLayerTests : IDisposable
{
    private readonly LayerFixtures _layers = new();

    public void Dispose() => _layers.Dispose();

    [Fact]
    public async Task Overlay_OfLayeredImage_HidesWhitedOutFilesAndOpaqueDirectoryContents()
    {
        await using var store = new TestImageStore();
        var layout = Path.Combine(store.StateDirectory, "layout");
        await TestImages.Layered.WriteOciLayoutAsync(layout, "layered");
        var image = Assert.Single(await store.Store.LoadAsync(layout, CancellationToken.None));
        var layers = store.Store.GetLayerDirectories(image);
        var merged = Path.Combine(store.StateDirectory, "merged");
        Directory.CreateDirectory(merged);

        await ProcessRunner.RunCheckedAsync("mount", ["-t", "overlay", "overlay", "-o", $"lowerdir={string.Join(':', layers.Reverse())}", merged]);
        try
        {
            Assert.False(File.Exists(Path.Combine(merged, "data/remove.txt")), "the whiteout hides the lower file");
            Assert.True(File.Exists(Path.Combine(layers[1], "data/remove.txt")), "the lower layer itself is untouched");
            Assert.Equal(["new.txt"], Directory.EnumerateFileSystemEntries(Path.Combine(merged, "data/dir")).Select(Path.GetFileName));
            Assert.Equal("layer 3\n", await File.ReadAllTextAsync(Path.Combine(merged, "etc/motd")));
            Assert.Equal("keep\n", await File.ReadAllTextAsync(Path.Combine(merged, "data/link")));
            Assert.Equal("keep\n", await File.ReadAllTextAsync(Path.Combine(merged, "data/hard")));
            Assert.True(File.Exists(Path.Combine(merged, "bin/busybox")));
        }
        finally
        {
            // Lazily when busy (something scanning /tmp may hold it), so the state directory can always go.
            if (!(await ProcessRunner.RunAsync("umount", [merged])).Succeeded)
            {
                await ProcessRunner.RunCheckedAsync("umount", ["--lazy", merged]);
            }
        }
    }

    [Fact]
    public async Task Unpack_Whiteouts_BecomeOverlayWhiteoutsAndOpaqueXattr()
    {
        var tar = new LayerBuilder().Whiteout("etc/gone").OpaqueDirectory("var/cache").ToTar();

        var root = await _layers.UnpackAsync(tar);

        Assert.Equal("character special file 0:0", await StatAsync("%F %t:%T", Path.Combine(root, "etc/gone")));
        Assert.False(File.Exists(Path.Combine(root, "etc/.wh.gone")));
        Assert.Equal("y"u8.ToArray(), LinuxFiles.GetXattr(Path.Combine(root, "var/cache"), "trusted.overlay.opaque"));
        Assert.False(File.Exists(Path.Combine(root, "var/cache/.wh..wh..opq")));
    }

    [Fact]
    public async Task Unpack_KeepsOwnershipSetuidAndDeviceNodes()
    {
        var tar = LayerFixtures.Tar(
            new PaxTarEntry(TarEntryType.Directory, "home/app/") { Uid = 1000, Gid = 1000, Mode = (UnixFileMode)0b111_101_000 },
            new PaxTarEntry(TarEntryType.RegularFile, "home/app/tool") { Uid = 1000, Gid = 50, Mode = (UnixFileMode)0b110_111_101_101, DataStream = new MemoryStream("x"u8.ToArray()) },
            new PaxTarEntry(TarEntryType.CharacterDevice, "dev/null") { Mode = (UnixFileMode)0b110_110_110, DeviceMajor = 1, DeviceMinor = 3 },
            new PaxTarEntry(TarEntryType.Fifo, "run/pipe") { Mode = (UnixFileMode)0b110_000_000 },
            new PaxTarEntry(TarEntryType.SymbolicLink, "home/app/link") { Uid = 1000, Gid = 1000, LinkName = "tool" });

        var root = await _layers.UnpackAsync(tar);

        Assert.Equal("1000:1000 750", await StatAsync("%u:%g %a", Path.Combine(root, "home/app")));
        Assert.Equal("1000:50 6755", await StatAsync("%u:%g %a", Path.Combine(root, "home/app/tool")));
        Assert.Equal("1000:1000", await StatAsync("%u:%g", Path.Combine(root, "home/app/link")));
        Assert.Equal("character special file 1:3 666", await StatAsync("%F %t:%T %a", Path.Combine(root, "dev/null")));
        Assert.Equal("fifo 600", await StatAsync("%F %a", Path.Combine(root, "run/pipe")));
    }

    private static async Task<string> StatAsync(string format, string path) =>
        (await ProcessRunner.RunCheckedAsync("stat", ["--format", format, path])).StandardOutput.Trim();
}

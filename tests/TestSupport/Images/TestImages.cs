using System.Diagnostics;

namespace Flotilla.TestSupport.Images;

/// <summary>
/// The standard test images, built from Debian's <c>busybox-static</c> (no registry on the
/// internet is reachable). Built once per process, with stable digests across runs.
/// <list type="table">
/// <item><term><c>busybox:1.0</c>, <c>busybox:latest</c></term><description><see cref="Busybox"/>: one gzip layer, <c>CMD ["sh"]</c>.</description></item>
/// <item><term><c>busybox:layered</c></term><description><see cref="Layered"/>: three layers, one with a whiteout and an opaque directory.</description></item>
/// <item><term><c>httpd:1.0</c></term><description><see cref="Httpd"/>: busybox httpd serving <see cref="HttpdIndexHtml"/> on <see cref="HttpdPort"/>.</description></item>
/// <item><term><c>busybox:zstd</c></term><description><see cref="BusyboxZstd"/>: the busybox layer as zstd.</description></item>
/// <item><term><c>busybox:docker</c></term><description><see cref="BusyboxDocker"/>: Docker schema 2 media types.</description></item>
/// <item><term><c>busybox:multi</c></term><description><see cref="MultiPlatform"/>: an index with this machine's platform and a foreign one.</description></item>
/// </list>
/// </summary>
public static class TestImages
{
    /// <summary>The port <see cref="Httpd"/> listens on inside the container.</summary>
    public const int HttpdPort = 8000;

    /// <summary>What <see cref="Httpd"/> answers for <c>GET /</c>.</summary>
    public const string HttpdIndexHtml = "hello from flotilla\n";

    private static readonly Lazy<(byte[] Content, string[] Applets)> BusyboxFile = new(() =>
    {
        const string path = "/bin/busybox";
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: install Debian's busybox-static (scripts/install-deps.sh)");
        }

        using var list = Process.Start(new ProcessStartInfo(path, "--list-full") { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"cannot run {path} --list-full");
        var applets = list.StandardOutput.ReadToEnd()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(a => a.Contains('/', StringComparison.Ordinal) && a != "bin/busybox" && !a.EndsWith('/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        list.WaitForExit();
        return (File.ReadAllBytes(path), applets);
    });

    private static readonly Lazy<OciImageBuilder> BusyboxBase = new(() => new OciImageBuilder().AddLayer(AddBusybox, LayerCompression.Gzip, "busybox-static rootfs"));

    private static readonly Lazy<OciImage> BusyboxImage = new(() => BusyboxBuilder().WithCmd("sh").Build());

    private static readonly Lazy<OciImage> LayeredImage = new(() => BusyboxBuilder()
        .AddLayer(l => l
            .File("data/keep.txt", "keep\n")
            .File("data/remove.txt", "remove\n")
            .File("data/dir/old.txt", "old\n")
            .Symlink("data/link", "keep.txt")
            .Hardlink("data/hard", "data/keep.txt")
            .File("etc/motd", "layer 2\n"), LayerCompression.Gzip, "data files")
        .AddLayer(l => l
            .Whiteout("data/remove.txt")
            .OpaqueDirectory("data/dir")
            .File("data/dir/new.txt", "new\n")
            .File("etc/motd", "layer 3\n"), LayerCompression.None, "whiteout and opaque directory")
        .WithCmd("sh")
        .Build());

    private static readonly Lazy<OciImage> HttpdImage = new(() => BusyboxBuilder()
        .AddLayer(l => l.File("www/index.html", HttpdIndexHtml), LayerCompression.Gzip, "site")
        .WithEntrypoint("httpd", "-f", "-v", "-p", HttpdPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-h", "/www")
        .WithExposedPort(HttpdPort)
        .Build());

    private static readonly Lazy<OciImage> ZstdImage = new(() => new OciImageBuilder()
        .AddLayer(AddBusybox, LayerCompression.Zstd, "busybox-static rootfs")
        .WithCmd("sh")
        .Build());

    private static readonly Lazy<OciImage> DockerImage = new(() => BusyboxBuilder()
        .WithManifestFormat(ManifestFormat.Docker)
        .WithCmd("sh")
        .Build());

    private static readonly Lazy<OciImageIndex> MultiPlatformIndex = new(() =>
    {
        var foreignArchitecture = BusyboxImage.Value.Platform.Architecture == "arm64" ? "amd64" : "arm64";
        var foreign = new OciImageBuilder()
            .AddLayer(l => l.File("etc/platform", $"linux/{foreignArchitecture}\n"))
            .WithPlatform("linux", foreignArchitecture)
            .WithCmd("cat", "/etc/platform")
            .Build();
        return new OciImageIndex([foreign, BusyboxImage.Value]);
    });

    /// <summary>busybox with every applet linked (<c>/bin/sh</c>, <c>/bin/ls</c>, …), <c>/etc/passwd</c>, <c>/tmp</c>; <c>CMD ["sh"]</c>.</summary>
    public static OciImage Busybox => BusyboxImage.Value;

    /// <summary>
    /// <see cref="Busybox"/>'s layer plus two: a gzip layer adding <c>/data/keep.txt</c> ("keep"),
    /// <c>/data/remove.txt</c>, <c>/data/dir/old.txt</c>, <c>/data/link → keep.txt</c>,
    /// a hard link <c>/data/hard</c> and <c>/etc/motd</c> ("layer 2"); then a plain-tar layer that
    /// whites out <c>/data/remove.txt</c>, makes <c>/data/dir</c> opaque with only <c>new.txt</c>
    /// ("new") and replaces <c>/etc/motd</c> ("layer 3").
    /// </summary>
    public static OciImage Layered => LayeredImage.Value;

    /// <summary><see cref="Busybox"/> plus <c>/www/index.html</c>; entrypoint <c>httpd -f -v -p 8000 -h /www</c>.</summary>
    public static OciImage Httpd => HttpdImage.Value;

    /// <summary>The busybox rootfs as one zstd layer.</summary>
    public static OciImage BusyboxZstd => ZstdImage.Value;

    /// <summary><see cref="Busybox"/> with Docker schema 2 manifest and config media types.</summary>
    public static OciImage BusyboxDocker => DockerImage.Value;

    /// <summary>An OCI index: a foreign-architecture image first, then <see cref="Busybox"/> for this machine.</summary>
    public static OciImageIndex MultiPlatform => MultiPlatformIndex.Value;

    /// <summary>Every repository:tag <see cref="PushAllAsync"/> pushes.</summary>
    public static IReadOnlyList<string> References { get; } =
        ["busybox:1.0", "busybox:latest", "busybox:layered", "httpd:1.0", "busybox:zstd", "busybox:docker", "busybox:multi"];

    /// <summary>Pushes every image under its <see cref="References"/> name to <paramref name="registry"/> (<c>host:port</c>).</summary>
    public static async Task PushAllAsync(string registry, CancellationToken cancellationToken = default)
    {
        await Busybox.PushAsync(registry, "busybox", "1.0", cancellationToken);
        await Busybox.PushAsync(registry, "busybox", "latest", cancellationToken);
        await Layered.PushAsync(registry, "busybox", "layered", cancellationToken);
        await Httpd.PushAsync(registry, "httpd", "1.0", cancellationToken);
        await BusyboxZstd.PushAsync(registry, "busybox", "zstd", cancellationToken);
        await BusyboxDocker.PushAsync(registry, "busybox", "docker", cancellationToken);
        await MultiPlatform.PushAsync(registry, "busybox", "multi", cancellationToken);
    }

    /// <summary>
    /// Adds a busybox root filesystem to <paramref name="layer"/>: <c>/bin/busybox</c>, a symlink
    /// per applet at its usual path, <c>/etc/passwd</c>, <c>/etc/group</c>, and the usual empty
    /// directories. For images of your own: <c>new OciImageBuilder().AddLayer(TestImages.AddBusybox)</c>.
    /// </summary>
    public static void AddBusybox(LayerBuilder layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var busybox = BusyboxFile.Value;
        layer.File("bin/busybox", busybox.Content, (UnixFileMode)0b111_101_101);
        foreach (var applet in busybox.Applets)
        {
            layer.Symlink(applet, "/bin/busybox");
        }

        foreach (var directory in new[] { "dev", "proc", "sys", "root", "home", "var", "etc" })
        {
            layer.Directory(directory);
        }

        layer.Directory("tmp", (UnixFileMode)0b1_111_111_111);
        layer.File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n");
        layer.File("etc/group", "root:x:0:\nnogroup:x:65534:\n");
        layer.File("etc/hostname", "busybox\n");
    }

    private static OciImageBuilder BusyboxBuilder()
    {
        // Every image built on busybox shares the one layer blob, as images from one base do.
        return BusyboxBase.Value.Clone();
    }
}

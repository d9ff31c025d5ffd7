using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport.Processes;

namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>
/// Stands in for the image store (not yet merged into main) with one image, <c>busybox:test</c>, whose
/// single layer is a busybox root filesystem directory built from Debian's busybox-static.
/// </summary>
public sealed class RootfsImageStore : IImageStore
{
    public const string Reference = "busybox:test";
    private readonly string _layer;
    private readonly ImageRecord _image;

    private RootfsImageStore(string layer)
    {
        _layer = layer;
        _image = new ImageRecord(
            "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(layer))),
            [Reference],
            [],
            DateTimeOffset.UtcNow,
            1_000_000,
            "linux",
            "amd64",
            new ImageConfig(["sh"], [], ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "", "", [], new Dictionary<string, string>(), null),
            [],
            []);
    }

    public static async Task<RootfsImageStore> CreateAsync(string directory)
    {
        Directory.CreateDirectory(Path.Combine(directory, "bin"));
        File.Copy("/bin/busybox", Path.Combine(directory, "bin/busybox"), overwrite: true);
        var applets = await ProcessRunner.RunCheckedAsync("/bin/busybox", ["--list"]);
        foreach (var applet in applets.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var link = Path.Combine(directory, "bin", applet);
            if (applet != "busybox" && !File.Exists(link))
            {
                File.CreateSymbolicLink(link, "busybox");
            }
        }
        foreach (var empty in new[] { "dev", "proc", "sys", "tmp", "etc", "root" })
        {
            Directory.CreateDirectory(Path.Combine(directory, empty));
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        return new RootfsImageStore(directory);
    }

    public ImageRecord? Find(string reference) =>
        reference == Reference || reference == _image.Id || (reference.Length >= 12 && _image.Id.Contains(reference, StringComparison.Ordinal)) ? _image : null;

    public IReadOnlyList<ImageRecord> List() => [_image];

    public IReadOnlyList<string> GetLayerDirectories(ImageRecord image) => [_layer];

    public Task<ImageRecord> PullAsync(string reference, IProgress<PullProgress>? progress, CancellationToken cancellationToken) =>
        Task.FromException<ImageRecord>(new InvalidOperationException($"this test store cannot pull {reference}"));

    public Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task SaveOciLayoutAsync(string reference, string directory, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task RemoveAsync(string reference, bool force, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<GarbageCollectionResult> CollectGarbageAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
}

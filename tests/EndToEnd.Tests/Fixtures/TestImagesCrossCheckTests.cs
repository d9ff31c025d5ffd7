using System.Text.Json.Nodes;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;
using Flotilla.TestSupport.Registry;

namespace Flotilla.EndToEnd.Tests.Fixtures;

/// <summary>Second implementations (skopeo, the docker engine, the zstd CLI) accept what the builder writes.</summary>
[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class TestImagesCrossCheckTests(RegistryFixture registry) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("flotilla-images-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Skopeo_InspectsThePushedImage_WithOurDigestAndConfig()
    {
        await TestImages.PushAllAsync(registry.Address);

        var result = await Skopeo("inspect", "--tls-verify=false", $"docker://{registry.Reference("httpd", "1.0")}");

        var inspect = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal(TestImages.Httpd.Manifest.Digest, (string?)inspect["Digest"]);
        Assert.Equal(TestImages.Httpd.Layers.Select(l => l.Blob.Digest), inspect["Layers"]!.AsArray().Select(l => (string?)l));
        Assert.Equal("linux", (string?)inspect["Os"]);
    }

    [Fact]
    public async Task Skopeo_CopiesFromTheRegistryIntoALayout_AndTheBlobsMatch()
    {
        await TestImages.PushAllAsync(registry.Address);
        var layout = Path.Combine(_scratch, "copied");

        // skopeo gzips plain layers unless told to keep every digest as it is.
        await Skopeo(
            "copy", "--preserve-digests", "--dest-oci-accept-uncompressed-layers", "--src-tls-verify=false",
            $"docker://{registry.Reference("busybox", "layered")}", $"oci:{layout}:layered");

        foreach (var blob in TestImages.Layered.Blobs)
        {
            var copied = await File.ReadAllBytesAsync(Path.Combine(layout, "blobs", "sha256", blob.Hex));
            Assert.Equal(blob.Digest, OciBlob.ComputeDigest(copied));
        }
    }

    [Fact]
    public async Task OurOciLayout_IsReadBySkopeo_AndCopiedToTheRegistryUnchanged()
    {
        var layout = Path.Combine(_scratch, "layout");
        await TestImages.Busybox.WriteOciLayoutAsync(layout, "1.0");
        await TestImages.Layered.WriteOciLayoutAsync(layout, "layered");

        var inspect = JsonNode.Parse((await Skopeo("inspect", $"oci:{layout}:layered")).StandardOutput)!;
        Assert.Equal(TestImages.Layered.Manifest.Digest, (string?)inspect["Digest"]);

        await Skopeo("copy", "--preserve-digests", "--dest-tls-verify=false", $"oci:{layout}:layered", $"docker://{registry.Reference("from-layout", "layered")}");
        using var client = registry.CreateClient();
        var (_, digest, _) = await RegistryFixtureTests.GetManifestAsync(client, "from-layout", "layered");
        Assert.Equal(TestImages.Layered.Manifest.Digest, digest);
    }

    [Fact]
    public async Task DockerArchive_LoadsIntoTheDockerEngine_WhichAppliesTheWhiteouts()
    {
        var archive = Path.Combine(_scratch, "layered.tar");
        var name = $"flotilla-test/layered-{Guid.NewGuid():N}"[..40];
        await TestImages.Layered.WriteDockerArchiveAsync(archive, $"{name}:1.0");

        var inspect = JsonNode.Parse((await Skopeo("inspect", $"docker-archive:{archive}")).StandardOutput)!;
        Assert.Equal(3, inspect["Layers"]!.AsArray().Count);
        try
        {
            await ProcessRunner.RunCheckedAsync("docker", ["load", "-i", archive]);
            var run = await ProcessRunner.RunCheckedAsync(
                "docker", ["run", "--rm", "--network", "none", $"{name}:1.0", "sh", "-c", "cat /data/keep.txt /data/hard /data/link /etc/motd; ls /data/dir; ls /data"]);

            Assert.Equal("keep\nkeep\nkeep\nlayer 3\nnew.txt\ndir\nhard\nkeep.txt\nlink\n", run.StandardOutput);
        }
        finally
        {
            await ProcessRunner.RunAsync("docker", ["rmi", "--force", $"{name}:1.0"]);
        }
    }

    [Fact]
    public async Task HttpdImage_RunByTheDockerEngine_ServesItsPage()
    {
        var archive = Path.Combine(_scratch, "httpd.tar");
        var name = $"flotilla-test/httpd-{Guid.NewGuid():N}"[..40];
        await TestImages.Httpd.WriteDockerArchiveAsync(archive, $"{name}:1.0");
        string? container = null;
        try
        {
            await ProcessRunner.RunCheckedAsync("docker", ["load", "-i", archive]);
            container = (await ProcessRunner.RunCheckedAsync(
                "docker", ["run", "-d", "--rm", "-p", $"127.0.0.1::{TestImages.HttpdPort}", $"{name}:1.0"])).StandardOutput.Trim();
            var port = (await ProcessRunner.RunCheckedAsync("docker", ["port", container, $"{TestImages.HttpdPort}/tcp"])).StandardOutput.Trim().Split(':')[^1];
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

            var page = await RetryAsync(() => client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));

            Assert.Equal(TestImages.HttpdIndexHtml, page);
        }
        finally
        {
            if (container is not null)
            {
                await ProcessRunner.RunAsync("docker", ["rm", "--force", container]);
            }

            await ProcessRunner.RunAsync("docker", ["rmi", "--force", $"{name}:1.0"]);
        }
    }

    [Fact]
    public async Task ZstdLayer_DecompressesWithTheZstdTool_ToTheConfigsDiffId()
    {
        var layer = TestImages.BusyboxZstd.Layers.Single();
        Assert.Equal(MediaTypes.OciLayerZstd, layer.Blob.MediaType);
        var compressed = Path.Combine(_scratch, "layer.tar.zst");
        await File.WriteAllBytesAsync(compressed, layer.Blob.Content.ToArray());

        await ProcessRunner.RunCheckedAsync("zstd", ["-d", "-q", compressed, "-o", Path.Combine(_scratch, "layer.tar")]);

        var diffIds = JsonNode.Parse(TestImages.BusyboxZstd.Config.Content.Span)!["rootfs"]!["diff_ids"]!.AsArray();
        Assert.Equal((string?)diffIds.Single(), OciBlob.ComputeDigest(await File.ReadAllBytesAsync(Path.Combine(_scratch, "layer.tar"))));
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> attempt)
    {
        for (var i = 1; ; i++)
        {
            try
            {
                return await attempt();
            }
            catch (HttpRequestException) when (i < 40)
            {
                await Task.Delay(250);
            }
        }
    }

    private static Task<ProcessResult> Skopeo(params string[] arguments) =>
        ProcessRunner.RunCheckedAsync("skopeo", ["--insecure-policy", .. arguments]);
}

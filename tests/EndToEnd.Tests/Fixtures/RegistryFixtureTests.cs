using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Registry;

namespace Flotilla.EndToEnd.Tests.Fixtures;

[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class RegistryFixtureTests(RegistryFixture registry) : IClassFixture<RegistryFixture>
{
    private static readonly string[] ManifestAccept = [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    public static TheoryData<string, string> Images => new()
    {
        { "busybox", "1.0" },
        { "busybox", "layered" },
        { "httpd", "1.0" },
        { "busybox", "zstd" },
        { "busybox", "docker" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public async Task PushedImage_ManifestConfigAndLayers_VerifyByDigest(string repository, string tag)
    {
        await TestImages.PushAllAsync(registry.Address);
        using var client = registry.CreateClient();

        var (manifestBytes, manifestDigest, mediaType) = await GetManifestAsync(client, repository, tag);

        Assert.Equal(OciBlob.ComputeDigest(manifestBytes), manifestDigest);
        var manifest = JsonNode.Parse(manifestBytes)!;
        Assert.Equal(mediaType, (string?)manifest["mediaType"]);
        var descriptors = manifest["layers"]!.AsArray().Prepend(manifest["config"]).ToList();
        Assert.True(descriptors.Count >= 2, "an image has a config and at least one layer");
        foreach (var descriptor in descriptors)
        {
            var blob = await client.GetByteArrayAsync(new Uri($"v2/{repository}/blobs/{descriptor!["digest"]}", UriKind.Relative));
            Assert.Equal((string?)descriptor["digest"], OciBlob.ComputeDigest(blob));
            Assert.Equal((long)descriptor["size"]!, blob.LongLength);
        }
    }

    [Fact]
    public async Task LayeredImage_HasSeveralLayers_WithAWhiteoutAndAnOpaqueDirectory()
    {
        await TestImages.PushAllAsync(registry.Address);
        using var client = registry.CreateClient();
        var (manifestBytes, _, _) = await GetManifestAsync(client, "busybox", "layered");
        var layers = JsonNode.Parse(manifestBytes)!["layers"]!.AsArray();
        Assert.Equal(3, layers.Count);

        var top = await client.GetByteArrayAsync(new Uri($"v2/busybox/blobs/{layers[2]!["digest"]}", UriKind.Relative));
        var names = await TarNamesAsync(top);
        Assert.Contains("data/.wh.remove.txt", names);
        Assert.Contains("data/dir/.wh..wh..opq", names);
        Assert.Contains("data/dir/new.txt", names);
    }

    [Fact]
    public async Task Tags_ListEveryPushedTag()
    {
        await TestImages.PushAllAsync(registry.Address);
        using var client = registry.CreateClient();

        var tags = JsonNode.Parse(await client.GetStringAsync(new Uri("v2/busybox/tags/list", UriKind.Relative)))!["tags"]!
            .AsArray().Select(t => (string)t!).ToHashSet();

        Assert.Superset(new HashSet<string> { "1.0", "latest", "layered", "zstd", "docker", "multi" }, tags);
    }

    [Fact]
    public async Task MultiPlatformTag_ResolvesToAnIndexNamingThisMachinesImage()
    {
        await TestImages.PushAllAsync(registry.Address);
        using var client = registry.CreateClient();

        var (indexBytes, indexDigest, mediaType) = await GetManifestAsync(client, "busybox", "multi");

        Assert.Equal(MediaTypes.OciIndex, mediaType);
        Assert.Equal(TestImages.MultiPlatform.Index.Digest, indexDigest);
        var manifests = JsonNode.Parse(indexBytes)!["manifests"]!.AsArray();
        Assert.Equal(2, manifests.Count);
        var native = manifests.Single(m => (string?)m!["platform"]!["architecture"] == TestImages.Busybox.Platform.Architecture);
        Assert.Equal(TestImages.Busybox.Manifest.Digest, (string?)native!["digest"]);
        var (_, byDigest, _) = await GetManifestAsync(client, "busybox", TestImages.Busybox.Manifest.Digest);
        Assert.Equal(TestImages.Busybox.Manifest.Digest, byDigest);
    }

    [Fact]
    public async Task Dispose_StopsTheRegistryAndDeletesItsStorage()
    {
        var own = await RegistryFixture.StartAsync();
        var port = int.Parse(own.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        await TestImages.Busybox.PushAsync(own.Address, "busybox", "1.0");
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(own.RootDirectory, "data"), "*", SearchOption.AllDirectories));

        await own.DisposeAsync();

        Assert.False(Directory.Exists(own.RootDirectory));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    internal static async Task<(byte[] Bytes, string Digest, string MediaType)> GetManifestAsync(HttpClient client, string repository, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"v2/{repository}/manifests/{reference}", UriKind.Relative));
        foreach (var accept in ManifestAccept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return (bytes, response.Headers.GetValues("Docker-Content-Digest").Single(), response.Content.Headers.ContentType!.MediaType!);
    }

    private static async Task<List<string>> TarNamesAsync(byte[] tar)
    {
        var names = new List<string>();
        using var reader = new System.Formats.Tar.TarReader(new MemoryStream(tar));
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }
}

using System.Text;
using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Types = Flotilla.TestSupport.Images.MediaTypes;

namespace Flotilla.NodeAgent.Tests.Images;

[Trait(TestCategories.Name, TestCategories.Unit)]
public sealed class ManifestDocumentTests
{
    private static readonly byte[] OciManifestBody = TestImages.Busybox.Manifest.Content.ToArray();

    [Fact]
    public void ResolveMediaType_HeaderAndFieldAgree_IsThatType()
    {
        Assert.Equal(Types.OciManifest, ManifestDocument.ResolveMediaType(Types.OciManifest, OciManifestBody, "m"));
    }

    [Fact]
    public void ResolveMediaType_GenericHeader_DefersToTheDocument()
    {
        Assert.Equal(Types.OciManifest, ManifestDocument.ResolveMediaType("application/json", OciManifestBody, "m"));
    }

    [Fact]
    public void ResolveMediaType_HeaderContradictsDocument_IsRefused()
    {
        var error = Assert.Throws<InvalidImageContentException>(() => ManifestDocument.ResolveMediaType(Types.DockerManifest, OciManifestBody, "manifest x:1"));

        Assert.Contains("served as application/vnd.docker.distribution.manifest.v2+json but declares mediaType application/vnd.oci.image.manifest.v1+json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveMediaType_UnknownType_IsRefusedNamingIt()
    {
        var body = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.example.thing+json"}""");

        var error = Assert.Throws<InvalidImageContentException>(() => ManifestDocument.ResolveMediaType(null, body, "manifest x:1"));

        Assert.Contains("application/vnd.example.thing+json", error.Message, StringComparison.Ordinal);
        Assert.Contains("not an image manifest or index", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveMediaType_Schema1_IsRefusedWithAdvice()
    {
        var body = Encoding.UTF8.GetBytes("""{"schemaVersion":1,"name":"x","tag":"1","fsLayers":[]}""");

        var error = Assert.Throws<InvalidImageContentException>(() => ManifestDocument.ResolveMediaType("application/vnd.docker.distribution.manifest.v1+prettyjws", body, "manifest x:1"));

        Assert.Contains("schema 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseManifest_ArtifactConfig_IsRefused()
    {
        var body = Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"{{Types.OciManifest}}",
             "config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"sha256:{{new string('a', 64)}}","size":10},
             "layers":[]}
            """);

        var error = Assert.Throws<InvalidImageContentException>(() => ManifestDocument.ParseManifest(body, Types.OciManifest, "manifest chart:1"));

        Assert.Contains("not a container image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseManifest_UnknownLayerType_IsRefused()
    {
        var body = Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"{{Types.OciManifest}}",
             "config":{"mediaType":"{{Types.OciConfig}}","digest":"sha256:{{new string('a', 64)}}","size":10},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+bzip2","digest":"sha256:{{new string('b', 64)}}","size":10}]}
            """);

        var error = Assert.Throws<InvalidImageContentException>(() => ManifestDocument.ParseManifest(body, Types.OciManifest, "manifest x:1"));

        Assert.Contains("tar+bzip2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseManifest_TestImage_ReadsConfigAndLayers()
    {
        var image = TestImages.Layered;

        var manifest = ManifestDocument.ParseManifest(image.Manifest.Content.Span, Types.OciManifest, "m");

        Assert.Equal(image.Config.Digest, manifest.Config.Digest);
        Assert.Equal(image.Layers.Select(l => l.Blob.Digest), manifest.Layers.Select(l => l.Digest));
    }

    [Fact]
    public void SelectPlatform_PicksTheConfiguredPlatform()
    {
        var index = ManifestDocument.ParseIndex(TestImages.MultiPlatform.Index.Content.Span, "index");
        var host = TestImages.Busybox.Platform;

        var selected = ManifestDocument.SelectPlatform(index, $"{host.Os}/{host.Architecture}", "index");

        Assert.Equal(TestImages.Busybox.Manifest.Digest, selected.Digest);
    }

    [Fact]
    public void SelectPlatform_Missing_ListsWhatThereIs()
    {
        var index = ManifestDocument.ParseIndex(TestImages.MultiPlatform.Index.Content.Span, "index busybox:multi");

        var error = Assert.Throws<InvalidImageContentException>(() => ManifestDocument.SelectPlatform(index, "linux/s390x", "index busybox:multi"));

        Assert.Contains("no image for linux/s390x", error.Message, StringComparison.Ordinal);
        Assert.Contains("linux/amd64", error.Message, StringComparison.Ordinal);
    }
}

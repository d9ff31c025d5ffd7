using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Tests.Images;

[Trait(TestCategories.Name, TestCategories.Unit)]
public sealed class ImageStoreOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        var options = Resolve(_ => { });

        Assert.Equal("/var/lib/flotilla", options.StateDirectory);
        Assert.Equal("linux/amd64", options.Platform);
    }

    [Fact]
    public void AddImages_FromConfiguration_BindsTheImagesSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Images:StateDirectory"] = "/srv/flotilla",
            ["Images:MaxConcurrentDownloads"] = "5",
            ["Images:PlainHttpRegistries:0"] = "registry.lan:5000",
        }).Build();

        var options = new ServiceCollection().AddImages(configuration).BuildServiceProvider().GetRequiredService<IOptions<ImageStoreOptions>>().Value;

        Assert.Equal("/srv/flotilla", options.StateDirectory);
        Assert.Equal(5, options.MaxConcurrentDownloads);
        Assert.Equal(["registry.lan:5000"], options.PlainHttpRegistries);
    }

    [Fact]
    public void Validate_BadSettings_FailNamingEachSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            o.StateDirectory = "relative/dir";
            o.AuthConfigPath = $"/nonexistent/{Guid.NewGuid():N}/config.json";
            o.Platform = "amd64";
            o.MaxConcurrentDownloads = 0;
        }));

        Assert.Contains("Images:StateDirectory", error.Message, StringComparison.Ordinal);
        Assert.Contains("Images:AuthConfigPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("Images:Platform", error.Message, StringComparison.Ordinal);
        Assert.Contains("Images:MaxConcurrentDownloads", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MalformedAuthConfig_Fails()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flotilla-auth-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{"auths": {"localhost:5000": {"auth": "bm8tY29sb24="}}}"""); // "no-colon"
        try
        {
            var error = Assert.Throws<OptionsValidationException>(() => Resolve(o => o.AuthConfigPath = path));

            Assert.Contains("user:password", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task CredentialStore_ReadsDockerConfigShapes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flotilla-auth-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """
            {"auths": {
              "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
              "http://127.0.0.1:5000": {"username": "alice", "password": "pw:with:colons"}
            }}
            """);
        try
        {
            var credentials = RegistryCredentialStore.Load(path);

            Assert.Equal(new RegistryCredentials("hub", "secret"), credentials["docker.io"]);
            Assert.Equal(new RegistryCredentials("alice", "pw:with:colons"), credentials["127.0.0.1:5000"]);
            Assert.DoesNotContain("secret", credentials["docker.io"].ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ImageStoreOptions Resolve(Action<ImageStoreOptions> configure) =>
        new ServiceCollection().AddImages(configure).BuildServiceProvider().GetRequiredService<IOptions<ImageStoreOptions>>().Value;
}

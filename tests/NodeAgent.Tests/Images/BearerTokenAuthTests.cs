using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Registry;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>Pulls through a real registry's bearer-token flow (WWW-Authenticate challenge → token service → JWT).</summary>
[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class BearerTokenAuthTests : IAsyncLifetime
{
    private RegistryFixture? _source;

    public async Task InitializeAsync()
    {
        _source = await RegistryFixture.StartAsync();
        await TestImages.Layered.PushAsync(_source.Address, "team/busybox", "layered");
    }

    public async Task DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }
    }

    [Fact]
    public async Task Pull_Anonymous_GetsAnAnonymousPullToken()
    {
        await using var registry = new TokenAuthRegistry();
        await registry.StartAsync(Path.Combine(_source!.RootDirectory, "data"));
        await using var store = new TestImageStore();

        var image = await store.Store.PullAsync($"{registry.Address}/team/busybox:layered", null, CancellationToken.None);

        Assert.Equal(TestImages.Layered.Config.Digest, image.Id);
        Assert.Contains("|flotilla-test-registry|repository:team/busybox:pull", registry.TokenRequests);
    }

    [Fact]
    public async Task Pull_WithCredentials_SendsThemToTheTokenService()
    {
        await using var registry = new TokenAuthRegistry { RequiredCredentials = ("bob", "hunter2") };
        await registry.StartAsync(Path.Combine(_source!.RootDirectory, "data"));
        var auth = Path.Combine(Path.GetTempPath(), $"flotilla-auth-{Guid.NewGuid():N}.json");
        var encoded = Convert.ToBase64String("bob:hunter2"u8);
        await File.WriteAllTextAsync(auth, """{"auths": {""" + $"\"http://{registry.Address}\": {{\"auth\": \"{encoded}\"}}" + "}}");
        try
        {
            await using var store = new TestImageStore(o => o.AuthConfigPath = auth);

            var image = await store.Store.PullAsync($"{registry.Address}/team/busybox:layered", null, CancellationToken.None);

            Assert.Equal(TestImages.Layered.Config.Digest, image.Id);
            Assert.NotEmpty(registry.TokenRequests);
            Assert.All(registry.TokenRequests, r => Assert.Equal("bob|flotilla-test-registry|repository:team/busybox:pull", r));
            Assert.Equal(3, store.Store.GetLayerDirectories(image).Count);
        }
        finally
        {
            File.Delete(auth);
        }
    }

    [Fact]
    public async Task Pull_WithoutRequiredCredentials_SaysCredentialsAreNeeded()
    {
        await using var registry = new TokenAuthRegistry { RequiredCredentials = ("bob", "hunter2") };
        await registry.StartAsync(Path.Combine(_source!.RootDirectory, "data"));
        await using var store = new TestImageStore();

        var error = await Assert.ThrowsAsync<ImagePullException>(() => store.Store.PullAsync($"{registry.Address}/team/busybox:layered", null, CancellationToken.None));

        Assert.Contains("needs credentials", error.Message, StringComparison.Ordinal);
        Assert.Empty(store.Store.List());
    }
}

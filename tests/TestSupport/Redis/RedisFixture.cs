using Testcontainers.Redis;
using Xunit;

namespace Flotilla.TestSupport.Redis;

/// <summary>
/// A Redis server in a Docker container started through Testcontainers.Redis, on the locally
/// built <see cref="RedisImage"/>. Reach it at <see cref="ConnectionString"/>
/// (<c>127.0.0.1:PORT</c>, a StackExchange.Redis configuration string). The container is removed
/// on dispose (Ryuk is off here, so this fixture is what cleans up).
/// </summary>
public sealed class RedisFixture : IAsyncLifetime, IAsyncDisposable
{
    private RedisContainer? _container;

    /// <summary>The started container; throws before <c>InitializeAsync</c>.</summary>
    public RedisContainer Container => _container ?? throw new InvalidOperationException("RedisFixture is not started: use it as an xunit fixture or call RedisFixture.StartAsync");

    /// <summary><c>host:port</c> of the mapped Redis port.</summary>
    public string ConnectionString => Container.GetConnectionString();

    /// <summary>The host the mapped port is on.</summary>
    public string Host => Container.Hostname;

    /// <summary>The host port mapped to the container's 6379.</summary>
    public int Port => Container.GetMappedPublicPort(RedisBuilder.RedisPort);

    /// <summary>Starts Redis outside xunit's fixture lifecycle; dispose it when done.</summary>
    public static async Task<RedisFixture> StartAsync(CancellationToken cancellationToken = default)
    {
        var fixture = new RedisFixture();
        try
        {
            await fixture.StartCoreAsync(cancellationToken);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    async Task IAsyncLifetime.InitializeAsync() => await StartCoreAsync(CancellationToken.None);

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    /// <summary>Stops and removes the container.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
            _container = null;
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var image = await RedisImage.EnsureBuiltAsync(cancellationToken);
        _container = new RedisBuilder(image)
            .WithLabel("org.flotilla.test", "redis")
            .Build();
        await _container.StartAsync(cancellationToken);
    }
}

namespace Flotilla.EndToEnd.Tests.Networking;

/// <summary>Two <see cref="NetworkedHosts"/> shared by a test class: an agent on host1 (index 0), host2 as a client.</summary>
public sealed class TwoNetworkedHosts : IAsyncLifetime
{
    private NetworkedHosts? _group;

    public NetworkedHosts Group => _group ?? throw new InvalidOperationException("the hosts are not started");

    public async Task InitializeAsync() => _group = await NetworkedHosts.StartAsync(2);

    public async Task DisposeAsync()
    {
        if (_group is not null)
        {
            await _group.DisposeAsync();
        }
    }
}

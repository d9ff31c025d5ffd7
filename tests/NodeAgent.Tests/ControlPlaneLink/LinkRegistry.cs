using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Registry;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

/// <summary>A real registry holding TestImages' <c>httpd:1.0</c>, shared by the link's integration tests.</summary>
public sealed class LinkRegistry : IAsyncLifetime
{
    private RegistryFixture? _registry;

    public string HttpdImage => _registry!.Reference("httpd", "1.0");

    public string MissingImage => _registry!.Reference("httpd", "does-not-exist");

    public async Task InitializeAsync()
    {
        _registry = await RegistryFixture.StartAsync();
        await TestImages.Httpd.PushAsync(_registry.Address, "httpd", "1.0");
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }
}

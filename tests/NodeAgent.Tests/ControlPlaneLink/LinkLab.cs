using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Registry;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

/// <summary>
/// What the link's integration tests share: a real registry holding TestImages' <c>httpd:1.0</c> and a real
/// control plane (a silo takes seconds to start and stop). Each test brings its own host, agent and workload.
/// </summary>
public sealed class LinkLab : IAsyncLifetime
{
    private RegistryFixture? _registry;
    private LinkedControlPlane? _controlPlane;

    public string HttpdImage => _registry!.Reference("httpd", "1.0");

    public string MissingImage => _registry!.Reference("httpd", "does-not-exist");

    internal LinkedControlPlane ControlPlane => _controlPlane!;

    public async Task InitializeAsync()
    {
        _registry = await RegistryFixture.StartAsync();
        await TestImages.Httpd.PushAsync(_registry.Address, "httpd", "1.0");
        _controlPlane = await LinkedControlPlane.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_controlPlane is not null)
        {
            await _controlPlane.DisposeAsync();
        }

        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }
}

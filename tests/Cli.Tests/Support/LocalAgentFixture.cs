using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Registry;

namespace Flotilla.Cli.Tests.Support;

/// <summary>
/// A registry holding the busybox test image and an agent that has pulled it, shared by the local-verb
/// tests; each test names its own containers and volumes with a random suffix.
/// </summary>
public sealed class LocalAgentFixture : IAsyncLifetime
{
    private RegistryFixture? _registry;
    private AgentHost? _agent;

    public RegistryFixture Registry => _registry ?? throw new InvalidOperationException("the fixture has not started");

    public AgentHost Agent => _agent ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>busybox:1.0 in the registry, pulled into the agent before any test runs.</summary>
    public string Image => Registry.Reference("busybox", "1.0");

    /// <summary>The same image under a tag the agent has not pulled (for pull tests).</summary>
    public string UnpulledImage(string tag) => Registry.Reference("busybox", tag);

    private CliRunner? _cli;

    public CliRunner Cli => _cli ?? throw new InvalidOperationException("the fixture has not started");

    public async Task InitializeAsync()
    {
        _registry = await RegistryFixture.StartAsync();
        await TestImages.Busybox.PushAsync(Registry.Address, "busybox", "1.0");
        await TestImages.Busybox.PushAsync(Registry.Address, "busybox", "pull");
        await TestImages.Layered.PushAsync(Registry.Address, "busybox", "layered");
        await TestImages.Httpd.PushAsync(Registry.Address, "httpd", "1.0");
        _agent = await AgentHost.StartAsync();
        _cli = new CliRunner(new Dictionary<string, string> { ["FLOTILLA_HOST"] = Agent.Host });
        (await Cli.RunAsync("pull", Image)).EnsureSuccess();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_agent is not null)
            {
                await _agent.DisposeAsync();
            }
        }
        finally
        {
            _cli?.Cleanup();
            if (_registry is not null)
            {
                await _registry.DisposeAsync();
            }
        }
    }
}

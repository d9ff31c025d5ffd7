using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Flotilla.TestSupport.Processes;
using Xunit;

namespace Flotilla.TestSupport.Registry;

/// <summary>
/// A real OCI distribution registry (Debian's <c>docker-registry</c>) listening on a free loopback
/// port with its storage in a fresh temporary directory. Plain HTTP, no auth, deletes enabled.
/// Use as an xunit class or collection fixture, or start one with <see cref="StartAsync"/>.
/// </summary>
public sealed partial class RegistryFixture : IAsyncLifetime, IAsyncDisposable
{
    private const string RegistryBinary = "/usr/bin/docker-registry";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private BackgroundProcess? _process;

    /// <summary>Where it listens, <c>127.0.0.1:PORT</c>: the registry part of an image reference.</summary>
    public string Address { get; private set; } = "";

    /// <summary>The registry's HTTP root, e.g. <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUri => new($"http://{Address}/");

    /// <summary>The temporary directory holding its config and blobs; removed on dispose.</summary>
    public string RootDirectory { get; } = Path.Combine(Path.GetTempPath(), $"flotilla-registry-{Guid.NewGuid():N}"[..30]);

    /// <summary>The registry's recent log lines, for assertion messages.</summary>
    public string RecentLog => _process?.RecentOutput ?? "";

    /// <summary>Starts a registry outside xunit's fixture lifecycle; dispose it when done.</summary>
    public static async Task<RegistryFixture> StartAsync(CancellationToken cancellationToken = default)
    {
        var registry = new RegistryFixture();
        try
        {
            await registry.StartCoreAsync(cancellationToken);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    /// <summary>A full reference to <paramref name="repository"/>:<paramref name="tag"/> in this registry.</summary>
    public string Reference(string repository, string tag) => $"{Address}/{repository}:{tag}";

    /// <summary>An HTTP client rooted at <see cref="BaseUri"/>; the caller disposes it.</summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("flotilla-tests", "1.0"));
        return client;
    }

    async Task IAsyncLifetime.InitializeAsync() => await StartCoreAsync(CancellationToken.None);

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    /// <summary>Stops the registry and deletes its storage.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }

        if (Directory.Exists(RootDirectory))
        {
            Directory.Delete(RootDirectory, recursive: true);
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(RegistryBinary))
        {
            throw new InvalidOperationException($"{RegistryBinary} is missing: install Debian's docker-registry (scripts/install-deps.sh)");
        }

        Directory.CreateDirectory(Path.Combine(RootDirectory, "data"));
        var config = Path.Combine(RootDirectory, "config.yml");
        // Port 0: the kernel picks a free port and the registry logs it, so parallel test
        // assemblies never race for one.
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: info
              formatter: text
            storage:
              filesystem:
                rootdirectory: {Path.Combine(RootDirectory, "data")}
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:0
              secret: flotilla-tests
            """, cancellationToken);

        _process = BackgroundProcess.Start(RegistryBinary, ["serve", config]);
        var line = await _process.WaitForOutputAsync(l => ListeningLine().IsMatch(l), StartTimeout, cancellationToken);
        Address = ListeningLine().Match(line).Groups["address"].Value;

        using var client = CreateClient();
        using var response = await client.GetAsync(new Uri("v2/", UriKind.Relative), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"registry at {Address} answered GET /v2/ with {(int)response.StatusCode}:\n{RecentLog}");
        }
    }

    [GeneratedRegex(@"listening on (?<address>127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}

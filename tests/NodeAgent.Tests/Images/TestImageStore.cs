using Flotilla.NodeAgent.Images;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>A real image store in a fresh state directory, deleted on dispose; containers are simulated by <see cref="Usage"/>.</summary>
internal sealed class TestImageStore : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public TestImageStore(Action<ImageStoreOptions>? configure = null)
    {
        StateDirectory = Path.Combine(Path.GetTempPath(), $"flotilla-images-{Guid.NewGuid():N}");
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IImageUsage>(Usage)
            .AddImages(options =>
            {
                options.StateDirectory = StateDirectory;
                configure?.Invoke(options);
            })
            .BuildServiceProvider(validateScopes: true);
        Store = _services.GetRequiredService<IImageStore>();
    }

    public string StateDirectory { get; }

    public IImageStore Store { get; }

    public ContainerUsage Usage { get; } = new();

    public string BlobPath(string digest) => Path.Combine(StateDirectory, "content", "blobs", "sha256", digest["sha256:".Length..]);

    public IEnumerable<string> Blobs => Directory.EnumerateFiles(Path.Combine(StateDirectory, "content", "blobs", "sha256")).Select(p => "sha256:" + Path.GetFileName(p));

    public IEnumerable<string> Layers => Directory.EnumerateDirectories(Path.Combine(StateDirectory, "layers")).Select(Path.GetFileName).Where(n => n != "tmp")!;

    /// <summary>Files left in scratch areas (ingest, unpack temp): must be none after any pull, failed or not.</summary>
    public IEnumerable<string> Leftovers =>
        Directory.EnumerateFileSystemEntries(Path.Combine(StateDirectory, "content", "ingest"))
            .Concat(Directory.EnumerateFileSystemEntries(Path.Combine(StateDirectory, "layers", "tmp")));

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (Directory.Exists(StateDirectory))
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }

    /// <summary>Stands in for the container store: which container uses which image.</summary>
    internal sealed class ContainerUsage : IImageUsage
    {
        private readonly Dictionary<string, string> _users = new(StringComparer.Ordinal);

        public void Use(string imageId, string containerName) => _users[imageId] = containerName;

        public void Release(string imageId) => _users.Remove(imageId);

        public string? FindUser(string imageId) => _users.GetValueOrDefault(imageId);
    }
}

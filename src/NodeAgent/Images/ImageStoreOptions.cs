namespace Flotilla.NodeAgent.Images;

/// <summary>Settings of the agent's image store (configuration section <c>Images</c>).</summary>
public sealed class ImageStoreOptions
{
    public const string SectionName = "Images";

    /// <summary>The agent state directory; images live in its <c>content/</c> and <c>layers/</c>.</summary>
    public string StateDirectory { get; set; } = "/var/lib/flotilla";

    /// <summary>
    /// Registry credentials in docker's <c>config.json</c> shape (<c>{"auths": {"host:port": {"auth": base64(user:password)}}}</c>);
    /// null pulls anonymously. Read at every pull, so edits apply without a restart.
    /// </summary>
    public string? AuthConfigPath { get; set; }

    /// <summary>The platform picked from a multi-platform index, <c>os/architecture[/variant]</c>.</summary>
    public string Platform { get; set; } = "linux/amd64";

    /// <summary>Layers downloaded at the same time within one pull (docker's default is 3).</summary>
    public int MaxConcurrentDownloads { get; set; } = 3;

    /// <summary>Attempts per blob download; a broken download resumes with a range request where the server allows.</summary>
    public int DownloadAttempts { get; set; } = 5;

    /// <summary>The largest uncompressed layer accepted; a layer expanding beyond it is refused (tar bomb).</summary>
    public long MaxLayerSize { get; set; } = 64L << 30;

    /// <summary>Registries (<c>host[:port]</c>) spoken to over plain HTTP besides loopback ones, which always are.</summary>
    public IList<string> PlainHttpRegistries { get; init; } = [];
}

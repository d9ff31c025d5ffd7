namespace Flotilla.NodeAgent.Images;

/// <summary>An image known to the agent. <see cref="Id"/> is the config digest (<c>sha256:...</c>).</summary>
public sealed record ImageRecord(
    string Id,
    IReadOnlyList<string> RepoTags,
    IReadOnlyList<string> RepoDigests,
    DateTimeOffset Created,
    long Size,
    string Os,
    string Architecture,
    ImageConfig Config,
    IReadOnlyList<string> DiffIds,
    IReadOnlyList<string> ChainIds);

/// <summary>The runtime defaults an image carries (the OCI image config's <c>config</c> object).</summary>
public sealed record ImageConfig(
    IReadOnlyList<string> Cmd,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Env,
    string WorkingDir,
    string User,
    IReadOnlyList<string> ExposedPorts,
    IReadOnlyDictionary<string, string> Labels,
    string? StopSignal);

/// <summary>Progress of one layer during a pull.</summary>
public sealed record PullProgress(string Digest, string Status, long Current, long Total)
{
    public double Percent => Total > 0 ? 100.0 * Current / Total : 0;
}

public sealed record GarbageCollectionResult(int BlobsRemoved, int LayersRemoved, long BytesFreed);

namespace Flotilla.NodeAgent.Containers;

/// <summary>What <c>logs</c> asks for: which streams, the last <see cref="Tail"/> lines, a time window, and whether to follow.</summary>
public sealed record LogReadOptions
{
    public bool Stdout { get; init; } = true;

    public bool Stderr { get; init; } = true;

    /// <summary>Only the last N lines of history; null = all.</summary>
    public int? Tail { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public bool Follow { get; init; }

    /// <summary>Skip history: only lines collected from now on (attach).</summary>
    public bool FromEnd { get; init; }
}

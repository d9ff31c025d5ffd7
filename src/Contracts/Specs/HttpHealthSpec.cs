namespace Flotilla.Contracts.Specs;

/// <summary>An HTTP GET on a named port; any 2xx or 3xx answer is healthy.</summary>
public sealed record HttpHealthSpec
{
    public string? Path { get; init; }
    public string? Port { get; init; }
}

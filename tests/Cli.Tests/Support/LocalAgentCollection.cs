namespace Flotilla.Cli.Tests.Support;

/// <summary>The local-verb test classes share one registry and one agent (starting them is the slow part).</summary>
[CollectionDefinition(Name)]
public sealed class LocalAgentCollection : ICollectionFixture<LocalAgentFixture>
{
    public const string Name = "local agent";
}

namespace Flotilla.TestSupport;

/// <summary>
/// The values of the <c>Category</c> trait every test class carries (DESIGN.md, "Tests"), so one
/// category runs alone with <c>scripts/test.sh --filter Category=Unit</c>.
/// </summary>
public static class TestCategories
{
    /// <summary>The trait's name.</summary>
    public const string Name = "Category";

    /// <summary>No privileges, no processes, no network.</summary>
    public const string Unit = "Unit";

    /// <summary>Root, kernel features (namespaces, cgroups, mounts) or real servers.</summary>
    public const string Integration = "Integration";

    /// <summary>Several processes working together: silos, agents in netns hosts, the gateway.</summary>
    public const string EndToEnd = "EndToEnd";
}

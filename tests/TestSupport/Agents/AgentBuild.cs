namespace Flotilla.TestSupport.Agents;

/// <summary>Finds the built node agent (<c>Flotilla.NodeAgent.dll</c>) in the repository the tests run from.</summary>
internal static class AgentBuild
{
    private const string AssemblyName = "Flotilla.NodeAgent.dll";

    /// <summary>
    /// The agent built in the test's own configuration (<c>src/NodeAgent/bin/Release/net10.0</c> when the
    /// tests run from <c>bin/Release</c>), else the newest build of any configuration.
    /// </summary>
    public static string Locate()
    {
        var testDirectory = AppContext.BaseDirectory;
        var repository = FindRepository(testDirectory)
            ?? throw new InvalidOperationException($"cannot find Cluster.sln above {testDirectory}; set FLOTILLA_AGENT_DLL to {AssemblyName}");
        var output = Path.Combine(repository, "src", "NodeAgent", "bin");
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(testDirectory)));
        var preferred = configuration is null ? null : Path.Combine(output, configuration, "net10.0", AssemblyName);
        if (preferred is not null && File.Exists(preferred))
        {
            return preferred;
        }

        var any = Directory.Exists(output)
            ? Directory.EnumerateFiles(output, AssemblyName, SearchOption.AllDirectories).MaxBy(File.GetLastWriteTimeUtc)
            : null;
        return any ?? throw new InvalidOperationException(
            $"no {AssemblyName} under {output}: build it (dotnet build src/NodeAgent/NodeAgent.csproj -c {configuration}) or set FLOTILLA_AGENT_DLL");
    }

    private static string? FindRepository(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}

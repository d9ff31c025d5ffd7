namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>
/// The OCI runtimes the engine tests run against: Debian's runc and our published flotilla-runtime.
/// A missing runtime fails the test with what to do; it never skips.
/// </summary>
public static class TestRuntimes
{
    public const string Runc = "runc";
    public const string Flotilla = "flotilla-runtime";

    /// <summary>The binary of <paramref name="runtime"/> (<see cref="Runc"/> or <see cref="Flotilla"/>).</summary>
    public static string PathOf(string runtime) => runtime switch
    {
        Runc => new[] { "/usr/sbin/runc", "/usr/bin/runc" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("runc is missing: apt-get install runc (scripts/install-deps.sh)"),
        Flotilla => FlotillaRuntimePath(),
        _ => throw new ArgumentOutOfRangeException(nameof(runtime), runtime, "use TestRuntimes.Runc or TestRuntimes.Flotilla"),
    };

    /// <summary>The repository root (the directory holding Cluster.sln) above the test assembly.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException($"no Cluster.sln above {AppContext.BaseDirectory}");
        }
    }

    private static string FlotillaRuntimePath()
    {
        var path = Environment.GetEnvironmentVariable("FLOTILLA_RUNTIME") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryRoot, "artifacts", "bin", "Runtime", "flotilla-runtime");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"flotilla-runtime is not at {path}: run `dotnet publish src/Runtime/Runtime.csproj -c Release -o artifacts/bin/Runtime` " +
                "(scripts/test.sh does) or set FLOTILLA_RUNTIME");
    }
}

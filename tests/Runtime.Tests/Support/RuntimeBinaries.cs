namespace Flotilla.Runtime.Tests.Support;

/// <summary>Where the runtimes under test are: our published binary and Debian's runc.</summary>
public static class RuntimeBinaries
{
    public const string Runc = "/usr/sbin/runc";

    public static string Flotilla
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("FLOTILLA_RUNTIME");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return File.Exists(fromEnv) ? fromEnv : throw new InvalidOperationException($"FLOTILLA_RUNTIME={fromEnv} does not exist");
            }
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cluster.sln")))
            {
                dir = dir.Parent;
            }
            var path = dir is null ? null : Path.Combine(dir.FullName, "artifacts", "bin", "Runtime", "flotilla-runtime");
            return path is not null && File.Exists(path)
                ? path
                : throw new InvalidOperationException(
                    "flotilla-runtime is not published: run `dotnet publish src/Runtime/Runtime.csproj -c Release -o artifacts/bin/Runtime` " +
                    "(scripts/test.sh does) or set FLOTILLA_RUNTIME");
        }
    }

    public static string For(RuntimeKind kind) => kind == RuntimeKind.Flotilla ? Flotilla : RuncPath();

    private static string RuncPath()
    {
        foreach (var candidate in new[] { Runc, "/usr/bin/runc" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("runc is missing: apt-get install runc");
    }
}

public enum RuntimeKind
{
    Flotilla,
    Runc,
}

namespace Flotilla.NodeAgent.Images;

/// <summary>Names inside tar archives, checked before anything is written for them.</summary>
internal static class TarPaths
{
    /// <summary>Splits a tar name into components, refusing absolute names and any <c>..</c>.</summary>
    public static string[] SplitInside(string name, string what)
    {
        if (name.StartsWith('/'))
        {
            throw new InvalidImageContentException($"{what} '{name}' is an absolute path; refused");
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidImageContentException($"{what} '{name.Replace("\0", "\\0", StringComparison.Ordinal)}' contains a NUL byte; refused");
        }

        var components = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".").ToArray();
        if (components.Contains(".."))
        {
            throw new InvalidImageContentException($"{what} '{name}' contains '..'; refused");
        }

        return components;
    }
}

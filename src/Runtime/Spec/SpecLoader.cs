using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Spec;

/// <summary>A bundle's config.json, parsed and validated, with its paths made absolute.</summary>
internal sealed record LoadedSpec(RuntimeSpec Spec, string Bundle, string Rootfs);

internal static class SpecLoader
{
    public static LoadedSpec Load(string bundle)
    {
        var bundleDir = Path.GetFullPath(bundle);
        var configPath = Path.Combine(bundleDir, "config.json");
        byte[] json;
        try
        {
            json = RawFile.TryReadAllBytes(configPath) ?? throw new FileNotFoundException($"{configPath}: no such file");
        }
        catch (IOException e)
        {
            throw new RuntimeException($"cannot read {configPath}: {e.Message}");
        }
        var spec = Parse(json, configPath);
        var rootfs = ResolveRootfs(bundleDir, spec.Root?.Path);
        SpecValidator.Validate(spec);
        return new LoadedSpec(spec, bundleDir, rootfs);
    }

    public static RuntimeSpec Parse(ReadOnlyMemory<byte> json, string source) =>
        SpecReader.Parse(json, source, "a valid OCI runtime config", SpecReader.ReadSpec);

    /// <summary>
    /// A relative root.path is taken inside the bundle and must stay there; an absolute one is used as
    /// given (the node agent passes its overlay mount).
    /// </summary>
    public static string ResolveRootfs(string bundleDir, string? rootPath)
    {
        if (string.IsNullOrWhiteSpace(rootPath))
        {
            throw new RuntimeException("config.json: root.path is required (the container's root filesystem)");
        }
        string full;
        if (Path.IsPathRooted(rootPath))
        {
            full = Path.GetFullPath(rootPath);
        }
        else
        {
            full = Path.GetFullPath(Path.Combine(bundleDir, rootPath));
            var prefix = bundleDir.EndsWith('/') ? bundleDir : bundleDir + "/";
            if (!full.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new RuntimeException(
                    $"config.json: root.path \"{rootPath}\" is relative and leads outside the bundle {bundleDir}; " +
                    "use a directory inside the bundle or an absolute path");
            }
        }
        if (!Directory.Exists(full))
        {
            throw new RuntimeException($"config.json: root.path {full} is not a directory");
        }
        return full;
    }
}

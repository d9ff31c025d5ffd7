using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// A parsed image reference (<c>[domain/]path[:tag][@digest]</c>) normalised the way docker does:
/// no domain means Docker Hub, a single-component Hub name gets <c>library/</c>, no tag or digest means <c>latest</c>.
/// </summary>
public sealed partial record ImageReference(string Domain, string Repository, string? Tag, string? Digest)
{
    public const string DockerHubDomain = "docker.io";

    /// <summary>The repository as users write it: Hub names without <c>docker.io/</c> and <c>library/</c>.</summary>
    public string FamiliarName
    {
        get
        {
            if (Domain != DockerHubDomain)
            {
                return Domain + "/" + Repository;
            }

            return Repository.StartsWith("library/", StringComparison.Ordinal) ? Repository[8..] : Repository;
        }
    }

    /// <summary>The <c>name:tag</c> docker lists under RepoTags; null for a digest-only reference.</summary>
    public string? FamiliarTag => Tag is null ? null : FamiliarName + ":" + Tag;

    /// <summary>The host to contact for the registry API (Hub's API lives on registry-1.docker.io).</summary>
    public string RegistryHost => Domain == DockerHubDomain ? "registry-1.docker.io" : Domain;

    public override string ToString() =>
        FamiliarName + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public static ImageReference Parse(string reference) =>
        TryParse(reference, out var parsed, out var error)
            ? parsed
            : throw new ArgumentException(error, nameof(reference));

    public static bool TryParse(string reference, [NotNullWhen(true)] out ImageReference? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        error = null;
        if (string.IsNullOrWhiteSpace(reference) || reference.Length > 512)
        {
            error = $"invalid image reference '{reference}': expected [registry/]name[:tag][@sha256:digest]";
            return false;
        }

        var rest = reference;
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!Digests.IsValid(digest))
            {
                error = $"invalid digest in image reference '{reference}': expected sha256:<64 lowercase hex digits>";
                return false;
            }
        }

        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                error = $"invalid tag '{tag}' in image reference '{reference}': up to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'";
                return false;
            }
        }

        var domain = DockerHubDomain;
        var path = rest;
        var firstSlash = rest.IndexOf('/', StringComparison.Ordinal);
        if (firstSlash > 0)
        {
            var first = rest[..firstSlash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" || first.Any(char.IsUpper))
            {
                domain = first;
                path = rest[(firstSlash + 1)..];
            }
        }

        if (domain is "index.docker.io")
        {
            domain = DockerHubDomain;
        }

        if (!DomainPattern().IsMatch(domain) || !PathPattern().IsMatch(path))
        {
            error = $"invalid image reference '{reference}': repository names are lowercase letters, digits and separators ('.', '_', '__', '-'), components joined by '/'";
            return false;
        }

        if (domain == DockerHubDomain && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }

        if (tag is null && digest is null)
        {
            tag = "latest";
        }

        parsed = new ImageReference(domain, path, tag, digest);
        return true;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex PathPattern();
}

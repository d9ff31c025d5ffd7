using System.Text;
using System.Text.Json;

namespace Flotilla.NodeAgent.Images;

/// <summary>Reads registry credentials from a file shaped like docker's <c>config.json</c> (its <c>auths</c> object).</summary>
internal static class RegistryCredentialStore
{
    /// <summary>Credentials by registry host (<c>host[:port]</c>; Docker Hub as <c>docker.io</c>).</summary>
    /// <exception cref="InvalidOperationException">The file is not a docker-style auth config.</exception>
    public static IReadOnlyDictionary<string, RegistryCredentials> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"registry auth config {path} does not exist: create it (docker config.json shape) or unset the setting");
        }

        var result = new Dictionary<string, RegistryCredentials>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!document.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
            {
                return result;
            }

            foreach (var registry in auths.EnumerateObject())
            {
                if (Parse(registry.Value) is { } credentials)
                {
                    result[NormalizeHost(registry.Name)] = credentials;
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidOperationException($"registry auth config {path} is not valid: {e.Message}", e);
        }

        return result;
    }

    /// <summary>The key docker writes for a registry: a bare host, a URL, or Hub's legacy index URL.</summary>
    public static string NormalizeHost(string key)
    {
        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        return host is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? ImageReference.DockerHubDomain : host;
    }

    private static RegistryCredentials? Parse(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (entry.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException("an 'auth' value must be base64 of 'user:password'");
            }

            return new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..]);
        }

        if (entry.TryGetProperty("username", out var user) && entry.TryGetProperty("password", out var password)
            && user.GetString() is { Length: > 0 } username)
        {
            return new RegistryCredentials(username, password.GetString() ?? "");
        }

        return null;
    }
}

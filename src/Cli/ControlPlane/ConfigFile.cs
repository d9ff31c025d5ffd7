using System.Text.Json;

namespace Flotilla.Cli.ControlPlane;

/// <summary>
/// The CLI's settings file, <c>$FLOTILLA_CONFIG</c> or <c>$XDG_CONFIG_HOME/flotilla/config.json</c>
/// (<c>~/.config/flotilla/config.json</c>). Every field is optional:
/// <code>{ "server": "http://10.0.0.5:7070", "tokenFile": "/etc/flotilla/api-token", "token": "...", "host": "unix:///run/flotilla/agent.sock" }</code>
/// </summary>
internal sealed record ConfigFile(string? Path, string? Server, string? Token, string? TokenFile, string? Host)
{
    public static ConfigFile Load()
    {
        var path = DefaultPath();
        if (path is null || !File.Exists(path))
        {
            return new ConfigFile(path, null, null, null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CliException($"config file {path} must hold a JSON object such as {{\"server\": \"http://127.0.0.1:7070\", \"tokenFile\": \"...\"}}");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("server" or "token" or "tokenFile" or "host"))
                {
                    throw new CliException($"config file {path}: unknown field \"{property.Name}\" (known: server, token, tokenFile, host)");
                }

                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CliException($"config file {path}: \"{property.Name}\" must be a string");
                }
            }

            string? Field(string name) => root.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } text ? text : null;
            var tokenFile = Field("tokenFile");
            if (tokenFile is not null && !System.IO.Path.IsPathRooted(tokenFile))
            {
                tokenFile = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, tokenFile);
            }

            return new ConfigFile(path, Field("server"), Field("token"), tokenFile, Field("host"));
        }
        catch (JsonException error)
        {
            throw new CliException($"config file {path} is not valid JSON: {error.Message}");
        }
        catch (IOException error)
        {
            throw new CliException($"cannot read config file {path}: {error.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException($"cannot read config file {path}: permission denied");
        }
    }

    private static string? DefaultPath()
    {
        if (Environment.GetEnvironmentVariable("FLOTILLA_CONFIG") is { Length: > 0 } given)
        {
            return given;
        }

        var configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        if (string.IsNullOrEmpty(configHome))
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home))
            {
                return null;
            }

            configHome = System.IO.Path.Combine(home, ".config");
        }

        return System.IO.Path.Combine(configHome, "flotilla", "config.json");
    }
}

using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.ControlPlane;

/// <summary>Where the control plane is and the token to show it, with where each came from (for error messages).</summary>
internal sealed record ControlPlaneSettings(Uri Server, string? Token, string TokenSource)
{
    public const string DefaultServer = "http://127.0.0.1:7070";

    /// <summary>The embedded control plane writes its token here on first start (ControlPlane:DataDirectory).</summary>
    public const string EmbeddedTokenFile = "/var/lib/flotilla/controlplane/api-token";

    /// <summary>
    /// Server: --server, FLOTILLA_SERVER, the config file's "server", then http://127.0.0.1:7070.
    /// Token: --token, --token-file, FLOTILLA_TOKEN, FLOTILLA_TOKEN_FILE, the config file's "token" then
    /// "tokenFile", then the embedded control plane's token file when it is readable.
    /// </summary>
    public static ControlPlaneSettings Resolve(ParsedCommand command, ConfigFile config)
    {
        var serverText = command.Value("server") ?? Env("FLOTILLA_SERVER") ?? config.Server ?? DefaultServer;
        if (!serverText.Contains("://", StringComparison.Ordinal))
        {
            serverText = "http://" + serverText;
        }

        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            throw new CliException($"invalid control plane address \"{serverText}\": use http://HOST:PORT", ExitCodes.Usage);
        }

        if (command.Value("token") is { } flagToken)
        {
            return new(server, flagToken, "--token");
        }

        if (command.Value("token-file") is { } flagFile)
        {
            return new(server, ReadToken(flagFile, required: true), $"--token-file {flagFile}");
        }

        if (Env("FLOTILLA_TOKEN") is { } envToken)
        {
            return new(server, envToken, "FLOTILLA_TOKEN");
        }

        if (Env("FLOTILLA_TOKEN_FILE") is { } envFile)
        {
            return new(server, ReadToken(envFile, required: true), $"FLOTILLA_TOKEN_FILE={envFile}");
        }

        if (config.Token is { } configToken)
        {
            return new(server, configToken, $"\"token\" in {config.Path}");
        }

        if (config.TokenFile is { } configFile)
        {
            return new(server, ReadToken(configFile, required: true), $"\"tokenFile\" in {config.Path}");
        }

        return ReadToken(EmbeddedTokenFile, required: false) is { Length: > 0 } embedded
            ? new(server, embedded, EmbeddedTokenFile)
            : new(server, null, "none");
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;

    private static string? ReadToken(string path, bool required)
    {
        try
        {
            var token = File.ReadAllText(path).Trim();
            return token.Length > 0 || !required ? token : throw new CliException($"token file {path} is empty");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            if (!required)
            {
                return null;
            }

            var reason = error is UnauthorizedAccessException ? "permission denied" : error is FileNotFoundException or DirectoryNotFoundException ? "no such file" : error.Message;
            throw new CliException($"cannot read token file {path}: {reason}");
        }
    }
}

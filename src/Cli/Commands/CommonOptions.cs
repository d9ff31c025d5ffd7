using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary>Options shared by many verbs, so every verb spells them the same way.</summary>
internal static class CommonOptions
{
    public static readonly OptionSpec Help = OptionSpec.Flag("help", 'h', "Show this help");

    public static readonly OptionSpec Host = OptionSpec.Value("host", 'H', "ADDRESS",
        "The agent's socket (default unix:///run/flotilla/agent.sock; env FLOTILLA_HOST)");

    public static readonly OptionSpec Output = OptionSpec.Value("output", 'o', "FORMAT", "Output format: table (default) or json");

    public static readonly OptionSpec Server = OptionSpec.Value("server", null, "URL",
        "The control plane's REST address (default http://127.0.0.1:7070; env FLOTILLA_SERVER)");

    public static readonly OptionSpec Token = OptionSpec.Value("token", null, "TOKEN",
        "API bearer token (env FLOTILLA_TOKEN; prefer --token-file: arguments show in ps)");

    public static readonly OptionSpec TokenFile = OptionSpec.Value("token-file", null, "PATH", "Read the API token from this file (env FLOTILLA_TOKEN_FILE)");

    /// <summary>Options of a verb that talks to the local agent.</summary>
    public static OptionSpec[] Local(params OptionSpec[] own) => [.. own, Host, Help];

    /// <summary>Options of a verb that talks to the local agent and prints a table or JSON.</summary>
    public static OptionSpec[] LocalWithOutput(params OptionSpec[] own) => [.. own, Output, Host, Help];

    /// <summary>Options of a verb that talks to the control plane.</summary>
    public static OptionSpec[] Cluster(params OptionSpec[] own) => [.. own, Output, Server, Token, TokenFile, Help];
}

using System.Text;
using Flotilla.Cli.Commands;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli;

/// <summary>Finds the verb, parses its options, runs it, and turns every failure into a message and an exit code.</summary>
internal static class CliApp
{
    public const string Version = "0.1.0";

    public static async Task<int> RunAsync(string[] args, CommandContext context, CancellationToken cancellationToken)
    {
        var (command, rest) = Resolve(args, out var globals);
        if (command is null)
        {
            if (globals.Contains("--version"))
            {
                await context.Out.WriteLineAsync($"flotilla {Version}");
                return ExitCodes.Ok;
            }

            WriteOverview(context.Out);
            return ExitCodes.Ok;
        }

        var parsed = ArgParser.Parse(command.Spec, [.. globals, .. rest]);
        if (parsed.Flag("help"))
        {
            WriteHelp(context.Out, command.Spec);
            return ExitCodes.Ok;
        }

        try
        {
            return await command.RunAsync(context, parsed, cancellationToken);
        }
        catch (UsageException error) when (error.Command is null)
        {
            throw new UsageException(error.Message, command.Spec.Name);
        }
    }

    /// <summary>Options before the verb are kept (<c>flotilla -H unix:///x ps</c>); the verb is one or two words.</summary>
    private static (Command? Command, List<string> Remaining) Resolve(string[] args, out List<string> globals)
    {
        globals = [];
        var i = 0;
        for (; i < args.Length && args[i].StartsWith('-'); i++)
        {
            var arg = args[i];
            globals.Add(arg);
            if (arg is "-H" or "--host" or "--server" or "--token" or "--token-file" or "-o" or "--output")
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"flag needs an argument: {arg}");
                }

                globals.Add(args[++i]);
            }
            else if (arg is not ("-h" or "--help" or "--version") && !arg.Contains('=', StringComparison.Ordinal) && !arg.StartsWith("-H", StringComparison.Ordinal))
            {
                throw new UsageException($"unknown flag: {arg}");
            }
        }

        if (i >= args.Length)
        {
            return (null, []);
        }

        var word = args[i];
        if (i + 1 < args.Length && CommandCatalog.Find($"{word} {args[i + 1]}") is { } pair)
        {
            return (pair, [.. args[(i + 2)..]]);
        }

        if (CommandCatalog.Find(word) is { } single)
        {
            return (single, [.. args[(i + 1)..]]);
        }

        var group = CommandCatalog.All.Where(c => c.Spec.Name.StartsWith(word + " ", StringComparison.Ordinal)).ToList();
        if (group.Count > 0)
        {
            var verbs = string.Join(", ", group.Select(c => c.Spec.Name[(word.Length + 1)..]));
            throw new UsageException(i + 1 < args.Length
                ? $"unknown command \"{word} {args[i + 1]}\": \"{word}\" takes one of {verbs}"
                : $"\"{word}\" needs a command: {verbs}");
        }

        throw new UsageException($"unknown command \"{word}\"");
    }

    public static void WriteOverview(TextWriter output)
    {
        var text = new StringBuilder()
            .AppendLine("Usage: flotilla [OPTIONS] COMMAND")
            .AppendLine()
            .AppendLine("Flotilla's command line: containers on this host (through the agent's socket) and workloads on the cluster")
            .AppendLine("(through the control plane's API).");
        foreach (var (title, commands) in CommandCatalog.Groups)
        {
            text.AppendLine().AppendLine(title + ":");
            var width = commands.Max(c => c.Spec.Name.Length) + 3;
            foreach (var command in commands)
            {
                text.Append("  ").Append(command.Spec.Name.PadRight(width)).AppendLine(command.Spec.Summary);
            }
        }

        text.AppendLine()
            .AppendLine("Global options:")
            .AppendLine("  -H, --host ADDRESS   The agent's socket (default unix:///run/flotilla/agent.sock; env FLOTILLA_HOST)")
            .AppendLine("      --server URL     The control plane (default http://127.0.0.1:7070; env FLOTILLA_SERVER)")
            .AppendLine("      --token-file F   The control plane's API token (env FLOTILLA_TOKEN / FLOTILLA_TOKEN_FILE)")
            .AppendLine("      --version        Print the version")
            .AppendLine()
            .AppendLine("Settings file: $FLOTILLA_CONFIG or ~/.config/flotilla/config.json, e.g.")
            .AppendLine("  {\"server\": \"http://10.0.0.5:7070\", \"tokenFile\": \"/etc/flotilla/api-token\", \"host\": \"unix:///run/flotilla/agent.sock\"}")
            .AppendLine()
            .AppendLine("Exit codes: 0 ok, 1 the agent or control plane failed the request, 2 bad command line;")
            .AppendLine("run and exec exit with the container's code, or 125 (could not run), 126 (cannot invoke), 127 (not found).")
            .AppendLine()
            .AppendLine("Run 'flotilla COMMAND --help' for more on a command.");
        output.Write(text.ToString());
    }

    public static void WriteHelp(TextWriter output, CommandSpec spec)
    {
        var text = new StringBuilder()
            .Append("Usage: ").AppendLine(spec.Usage)
            .AppendLine()
            .AppendLine(spec.Summary);
        if (spec.Details is not null)
        {
            text.AppendLine().AppendLine(spec.Details);
        }

        if (spec.Options.Count > 0)
        {
            text.AppendLine().AppendLine("Options:");
            var width = spec.Options.Max(o => o.Signature.Length) + 3;
            foreach (var option in spec.Options)
            {
                text.Append("  ").Append(option.Signature.PadRight(width)).AppendLine(option.Description);
            }
        }

        output.Write(text.ToString());
    }
}

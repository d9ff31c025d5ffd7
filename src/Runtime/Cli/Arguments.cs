namespace Flotilla.Runtime.Cli;

/// <summary>
/// runc-style command line: global flags, a command, then its flags and positionals in any order
/// (<c>--name value</c>, <c>--name=value</c>, short aliases).
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _flags = new(StringComparer.Ordinal);

    public string? Command { get; private set; }
    public List<string> Positionals { get; } = [];
    /// <summary>Everything after "--" (the command for <c>exec</c>).</summary>
    public List<string> Rest { get; } = [];

    private static readonly HashSet<string> ValueFlags =
        ["root", "log", "log-format", "bundle", "pid-file", "console-socket", "criu", "rootless", "cwd", "env", "user", "process", "signal"];

    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["b"] = "bundle", ["f"] = "force", ["a"] = "all", ["d"] = "detach", ["e"] = "env", ["u"] = "user",
        ["t"] = "tty", ["p"] = "process",
    };

    private readonly Dictionary<string, List<string>> _multi = new(StringComparer.Ordinal);

    public static Arguments Parse(IReadOnlyList<string> args)
    {
        var result = new Arguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                result.Rest.AddRange(args.Skip(i + 1));
                break;
            }
            if (arg.StartsWith('-') && arg.Length > 1)
            {
                var body = arg.TrimStart('-');
                string? value = null;
                var eq = body.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                {
                    value = body[(eq + 1)..];
                    body = body[..eq];
                }
                var name = Aliases.GetValueOrDefault(body, body);
                if (value is null && ValueFlags.Contains(name))
                {
                    if (i + 1 >= args.Count)
                    {
                        throw new RuntimeException($"flag --{name} needs a value");
                    }
                    value = args[++i];
                }
                result._flags[name] = value ?? "true";
                if (!result._multi.TryGetValue(name, out var list))
                {
                    result._multi[name] = list = [];
                }
                list.Add(value ?? "true");
                continue;
            }
            if (result.Command is null)
            {
                result.Command = arg;
            }
            else if (result.Command == "exec" && result.Positionals.Count == 1)
            {
                // exec <id> cmd args... without "--": the rest is the command, flags included.
                result.Rest.AddRange(args.Skip(i));
                break;
            }
            else
            {
                result.Positionals.Add(arg);
            }
        }
        return result;
    }

    public string? Flag(string name) => _flags.GetValueOrDefault(name);

    public IReadOnlyList<string> All(string name) => _multi.GetValueOrDefault(name) ?? [];

    public bool Has(string name) => _flags.TryGetValue(name, out var v) && v is not ("false" or null);

    public string Id(string command)
    {
        if (Positionals.Count == 0)
        {
            throw new RuntimeException($"{command}: the container id is missing (usage: flotilla-runtime {command} <id>)");
        }
        return Positionals[0];
    }
}

namespace Flotilla.Cli.Parsing;

/// <summary>
/// Docker-style command lines: <c>--name value</c>, <c>--name=value</c>, <c>-n value</c>, <c>-nvalue</c>,
/// clustered one-letter flags (<c>-aq</c>), repeatable options, and <c>--</c> ending the options.
/// </summary>
internal static class ArgParser
{
    public static ParsedCommand Parse(CommandSpec spec, IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var positional = new List<string>();
        var optionsEnded = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (optionsEnded || (spec.StopAtFirstArgument && positional.Count > 0))
            {
                positional.Add(arg);
            }
            else if (arg == "--")
            {
                optionsEnded = true;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? arg[2..] : arg[2..equals];
                var option = spec.Options.FirstOrDefault(o => o.Name == name)
                    ?? throw new UsageException($"unknown flag: --{name}", spec.Name);
                string value;
                if (option.TakesValue)
                {
                    value = equals >= 0 ? arg[(equals + 1)..] : NextValue(spec, args, ref i, $"--{name}");
                }
                else
                {
                    value = equals < 0 ? "true" : arg[(equals + 1)..] switch
                    {
                        "true" or "1" => "true",
                        "false" or "0" => "false",
                        var other => throw new UsageException($"invalid value \"{other}\" for flag --{name}: use true or false", spec.Name),
                    };
                }

                Add(spec, values, option, value);
            }
            else if (arg.Length > 1 && arg[0] == '-')
            {
                for (var j = 1; j < arg.Length; j++)
                {
                    var letter = arg[j];
                    var option = spec.Options.FirstOrDefault(o => o.Short == letter)
                        ?? throw new UsageException($"unknown shorthand flag: '{letter}' in {arg}", spec.Name);
                    if (!option.TakesValue)
                    {
                        Add(spec, values, option, "true");
                        continue;
                    }

                    var rest = arg[(j + 1)..];
                    Add(spec, values, option, rest.Length > 0 ? rest.TrimStart('=') : NextValue(spec, args, ref i, $"-{letter}"));
                    break;
                }
            }
            else
            {
                positional.Add(arg);
            }
        }

        var parsed = new ParsedCommand(spec, values, positional);
        if (parsed.Flag("help"))
        {
            return parsed;
        }

        if (positional.Count < spec.MinArguments)
        {
            throw new UsageException(
                spec.MinArguments == 1 && spec.MaxArguments == 1
                    ? $"\"{spec.Name}\" requires exactly 1 argument: {spec.Arguments}"
                    : $"\"{spec.Name}\" requires at least {spec.MinArguments} argument{(spec.MinArguments == 1 ? "" : "s")}: {spec.Arguments}",
                spec.Name);
        }

        if (positional.Count > spec.MaxArguments)
        {
            throw new UsageException(
                spec.MaxArguments == 0
                    ? $"\"{spec.Name}\" accepts no arguments (got \"{positional[0]}\")"
                    : $"\"{spec.Name}\" accepts at most {spec.MaxArguments} argument{(spec.MaxArguments == 1 ? "" : "s")} (got {positional.Count})",
                spec.Name);
        }

        return parsed;
    }

    private static string NextValue(CommandSpec spec, IReadOnlyList<string> args, ref int i, string flag)
    {
        if (i + 1 >= args.Count)
        {
            throw new UsageException($"flag needs an argument: {flag}", spec.Name);
        }

        i++;
        return args[i];
    }

    private static void Add(CommandSpec spec, Dictionary<string, List<string>> values, OptionSpec option, string value)
    {
        if (!values.TryGetValue(option.Name, out var list))
        {
            values[option.Name] = [value];
            return;
        }

        if (!option.Repeatable && option.TakesValue && list[^1] != value)
        {
            throw new UsageException($"--{option.Name} is given more than once", spec.Name);
        }

        list.Add(value);
    }
}

using System.Globalization;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla logs CONTAINER</c>: stdout to stdout, stderr to stderr, as the container wrote them.</summary>
internal static class ContainerLogs
{
    public static Command Command { get; } = new(
        new CommandSpec("logs", "Show a container's output", "CONTAINER", 1, 1, CommonOptions.Local(
            OptionSpec.Flag("follow", 'f', "Keep printing new output until the container exits"),
            OptionSpec.Value("tail", 'n', "N", "Only the last N lines (default: all)"),
            OptionSpec.Value("since", null, "TIME", "Only output since TIME: a duration (10m, 1h30m), RFC 3339, or unix seconds"),
            OptionSpec.Flag("timestamps", 't', "Prefix each line with its time"))),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var query = "stdout=1&stderr=1";
        if (command.Flag("follow"))
        {
            query += "&follow=1";
        }

        if (command.Value("tail") is { } tail && tail != "all")
        {
            query += $"&tail={command.Int("tail", min: 0)!.Value.ToString(CultureInfo.InvariantCulture)}";
        }

        if (command.Value("since") is { } since)
        {
            query += $"&since={EngineClient.Escape(ParseSince(since, DateTimeOffset.UtcNow))}";
        }

        if (command.Flag("timestamps"))
        {
            query += "&timestamps=1";
        }

        var (connection, response) = await context.Engine(command).OpenStreamAsync(
            "GET", $"/containers/{EngineClient.Escape(command.Arguments[0])}/logs?{query}", default, upgrade: false, cancellationToken);
        await using (connection)
        {
            try
            {
                await MultiplexedStream.CopyAsync(response.Body, context.StandardOutput, context.StandardError, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C ends a follow.
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>A duration back from <paramref name="now"/> (<c>90s</c>, <c>10m</c>, <c>1h30m</c>), RFC 3339, or unix seconds → unix seconds.</summary>
    public static string ParseSince(string text, DateTimeOffset now)
    {
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
        {
            return text;
        }

        if (TryParseDuration(text, out var duration))
        {
            return (now - duration).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        throw new UsageException($"invalid value \"{text}\" for --since: use a duration (10m, 1h30m), an RFC 3339 time, or unix seconds", "logs");
    }

    /// <summary>Go-style durations: a sequence of number+unit (h, m, s, ms).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            switch (text[unitStart..i])
            {
                case "h": duration += TimeSpan.FromHours(value); break;
                case "m": duration += TimeSpan.FromMinutes(value); break;
                case "s": duration += TimeSpan.FromSeconds(value); break;
                case "ms": duration += TimeSpan.FromMilliseconds(value); break;
                default: return false;
            }
        }

        return text.Length > 0;
    }
}

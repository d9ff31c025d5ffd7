using System.Text.Json;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla stats [CONTAINER...]</c>: CPU, memory and pids, refreshed every second, or once with <c>--no-stream</c>.</summary>
internal static class ContainerStats
{
    public static Command Command { get; } = new(
        new CommandSpec("stats", "Show containers' CPU, memory and process counts", "[CONTAINER...]", 0, CommandSpec.Unbounded, CommonOptions.LocalWithOutput(
            OptionSpec.Flag("no-stream", null, "Print one reading and exit (takes a second: CPU % needs two readings)")),
            Details: "Without names: every running container."),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        var engine = context.Engine(command);
        var names = command.Arguments.ToList();
        if (names.Count == 0)
        {
            using var list = await engine.GetJsonAsync("/containers/json", cancellationToken);
            names = [.. list.RootElement.Items().Select(c => c.Str("Id"))];
        }

        var readers = names.Select(n => new Reader(n)).ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = readers.Select(r => r.RunAsync(engine, stop.Token)).ToList();
        try
        {
            if (command.Flag("no-stream"))
            {
                await Task.WhenAll(readers.Select(r => r.TwoReadings.Task));
                await stop.CancelAsync();
                await Task.WhenAll(tasks);
                return Print(context, json, readers, clear: false);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(1), cancellationToken), Task.WhenAll(tasks));
                if (readers.All(r => r.Latest is null && r.Done))
                {
                    break;
                }

                Print(context, json, readers, clear: context.OutputIsTerminal && !json);
                if (tasks.All(t => t.IsCompleted))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        finally
        {
            await stop.CancelAsync();
        }

        var failed = readers.Where(r => r.Error is not null).ToList();
        return failed.Count > 0 ? ExitCodes.Error : ExitCodes.Ok;
    }

    private static int Print(CommandContext context, bool json, List<Reader> readers, bool clear)
    {
        foreach (var failed in readers.Where(r => r.Error is not null && !r.Reported))
        {
            failed.Reported = true;
            context.Err.WriteLine($"Error: {failed.Error}");
        }

        var samples = readers.Select(r => r.Latest).OfType<StatsSample>().ToList();
        if (clear)
        {
            context.Out.Write("\u001b[2J\u001b[H");
        }

        if (json)
        {
            StatsSample.WriteJson(context.Out, samples);
        }
        else
        {
            StatsSample.WriteTable(context.Out, samples);
        }

        return readers.Any(r => r.Error is not null) ? ExitCodes.Error : ExitCodes.Ok;
    }

    /// <summary>Follows one container's stats stream and keeps its latest row.</summary>
    private sealed class Reader(string name)
    {
        private int _count;

        public StatsSample? Latest { get; private set; }

        public string? Error { get; private set; }

        public bool Reported { get; set; }

        public bool Done { get; private set; }

        /// <summary>Completes after the second reading (the first with a CPU delta), or when the stream ends.</summary>
        public TaskCompletionSource TwoReadings { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(EngineClient engine, CancellationToken cancellationToken)
        {
            try
            {
                var (connection, response) = await engine.OpenStreamAsync("GET", $"/containers/{EngineClient.Escape(name)}/stats?stream=1", default, upgrade: false, cancellationToken);
                await using (connection)
                {
                    using var reader = new StreamReader(response.Body);
                    while (await reader.ReadLineAsync(cancellationToken) is { } line)
                    {
                        if (line.Trim().Length == 0)
                        {
                            continue;
                        }

                        using var reading = JsonDocument.Parse(line);
                        Latest = StatsSample.From(reading.RootElement);
                        if (++_count >= 2)
                        {
                            TwoReadings.TrySetResult();
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (CliException error)
            {
                Error = error.Message;
            }
            finally
            {
                Done = true;
                TwoReadings.TrySetResult();
            }
        }
    }
}

using Flotilla.Cli;
using Flotilla.Cli.Commands;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

StageTrace.Mark("main");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C stops what the verb is doing (following logs, a pull); the second ends the process.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

var context = new CommandContext(Console.Out, Console.Error, !Console.IsOutputRedirected)
{
    StandardOutput = Console.OpenStandardOutput(),
    StandardError = Console.OpenStandardError(),
};
try
{
    return await CliApp.RunAsync(args, context, cancel.Token);
}
catch (UsageException error)
{
    Console.Error.WriteLine($"flotilla: {error.Message}");
    Console.Error.WriteLine(error.Command is null ? "See 'flotilla --help'." : $"See 'flotilla {error.Command} --help'.");
    return ExitCodes.Usage;
}
catch (CliException error)
{
    Console.Error.WriteLine($"Error: {error.Message}");
    return error.ExitCode;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    return 130;
}
catch (IOException error)
{
    Console.Error.WriteLine($"Error: the connection broke: {error.Message}");
    return ExitCodes.Error;
}
finally
{
    await context.DisposeAsync();
}

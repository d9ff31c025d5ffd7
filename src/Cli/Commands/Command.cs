using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary>A verb and what runs it; the handler returns the process exit code.</summary>
internal sealed record Command(CommandSpec Spec, Func<CommandContext, ParsedCommand, CancellationToken, Task<int>> RunAsync);

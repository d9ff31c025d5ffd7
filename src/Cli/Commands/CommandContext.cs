using Flotilla.Cli.ControlPlane;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary>What a verb runs with: the output streams, whether they are terminals, and its clients.</summary>
internal sealed class CommandContext : IAsyncDisposable
{
    private EngineClient? _engine;
    private ControlPlaneClient? _controlPlane;
    private ConfigFile? _config;

    public CommandContext(TextWriter output, TextWriter error, bool outputIsTerminal)
    {
        Out = output;
        Err = error;
        OutputIsTerminal = outputIsTerminal;
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    /// <summary>True when stdout is a terminal: live progress bars instead of plain lines.</summary>
    public bool OutputIsTerminal { get; }

    public Stream StandardOutput { get; init; } = Stream.Null;

    public Stream StandardError { get; init; } = Stream.Null;

    public ConfigFile Config => _config ??= ConfigFile.Load();

    /// <summary>The agent client: -H/--host, then FLOTILLA_HOST, then the config file's "host", then the default socket.</summary>
    public EngineClient Engine(ParsedCommand command) => _engine ??= new EngineClient(
        command.Value("host")
        ?? NonEmpty(Environment.GetEnvironmentVariable("FLOTILLA_HOST"))
        ?? Config.Host
        ?? EngineClient.DefaultHost);

    public ControlPlaneClient ControlPlane(ParsedCommand command) =>
        _controlPlane ??= new ControlPlaneClient(ControlPlaneSettings.Resolve(command, Config));

    public async ValueTask DisposeAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        _controlPlane?.Dispose();
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

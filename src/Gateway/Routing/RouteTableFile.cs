using Flotilla.Contracts.Routes;
using Google.Protobuf;

namespace Flotilla.Gateway.Routing;

/// <summary>
/// The last applied route table kept on disk (protobuf JSON), so a gateway restarted while the
/// control plane is down still serves its last routes instead of 503s. Off unless
/// <c>Gateway:RouteTableFile</c> is set.
/// </summary>
internal sealed class RouteTableFile(string path)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public string Path { get; } = path;

    public async Task<RouteTable?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var json = await File.ReadAllTextAsync(Path, cancellationToken);
        return Parser.Parse<RouteTable>(json);
    }

    /// <summary>Writes the table atomically: a reader sees the old file or the new one, never half of one.</summary>
    public async Task SaveAsync(RouteTable table, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.tmp");
        await File.WriteAllTextAsync(temporary, JsonFormatter.Default.Format(table), cancellationToken);
        File.Move(temporary, Path, overwrite: true);
    }
}

using System.Text.Json;

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// Persists a bridge's attachments as one JSON file, replaced atomically (write, fsync, rename) so an
/// agent crash leaves either the old or the new file and never a torn one.
/// </summary>
internal sealed class NetworkStateStore(string path)
{
    public string Path => path;

    public NetworkState Load()
    {
        if (!File.Exists(path))
        {
            return new NetworkState();
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), NetworkingJsonContext.Default.NetworkState) ?? new NetworkState();
        }
        catch (JsonException e)
        {
            throw new NetworkingException($"network state '{path}' is corrupt ({e.Message}); move it away to start with no attachments", e);
        }
    }

    public async Task SaveAsync(NetworkState state, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await JsonSerializer.SerializeAsync(stream, state, NetworkingJsonContext.Default.NetworkState, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

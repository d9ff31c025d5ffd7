using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Runtime;
using Orleans.Storage;

namespace Flotilla.ControlPlane.Persistence;

/// <summary>
/// Grain state in local files for the embedded single-host mode. Each write goes to a temp file,
/// is flushed to disk and renamed over the old one, so a crash leaves the old or the new state,
/// never a torn one. The ETag is a version counter kept in the file; a write whose ETag does not
/// match what is on disk is refused with <see cref="InconsistentStateException"/>.
/// </summary>
public sealed partial class FileGrainStorage(string name, string directory, IGrainStorageSerializer serializer, ILogger<FileGrainStorage> logger) : IGrainStorage
{
    private const int HeaderLength = sizeof(long);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        using var held = await LockAsync(path);
        var stored = await ReadAsync(path);
        if (stored is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = serializer.Deserialize<T>(new BinaryData(stored.Value.Payload));
        grainState.ETag = stored.Value.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        using var held = await LockAsync(path);
        var current = await ReadVersionAsync(path);
        CheckETag(grainState.ETag, current, grainId);
        var next = (current ?? 0) + 1;
        var payload = serializer.Serialize(grainState.State).ToMemory();
        await WriteAtomicallyAsync(path, next, payload);
        grainState.ETag = next.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        using var held = await LockAsync(path);
        CheckETag(grainState.ETag, await ReadVersionAsync(path), grainId);
        File.Delete(path);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    /// <summary>One writer or reader of a grain's file at a time within this silo.</summary>
    private async Task<Held> LockAsync(string path)
    {
        var gate = _locks.GetOrAdd(path, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        return new Held(gate);
    }

    private readonly struct Held(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    private void CheckETag(string? expected, long? current, GrainId grainId)
    {
        var currentTag = current?.ToString(CultureInfo.InvariantCulture);
        if (expected != currentTag)
        {
            LogConflict(name, grainId.ToString(), expected, currentTag);
            throw new InconsistentStateException(
                $"State of {grainId} in storage '{name}' changed underneath this activation (expected version {expected ?? "none"}, found {currentTag ?? "none"})",
                currentTag, expected);
        }
    }

    private string PathOf(string stateName, GrainId grainId)
    {
        var type = Sanitize(grainId.Type.ToString() ?? "grain");
        var file = $"{Sanitize(stateName)}.{Sanitize(grainId.Key.ToString() ?? string.Empty)}.bin";
        return Path.Combine(directory, type, file);
    }

    /// <summary>Keys are user-chosen names: escape everything but a safe set so no key can leave the directory.</summary>
    private static string Sanitize(string value)
    {
        var builder = new System.Text.StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static async Task<(long Version, byte[] Payload)?> ReadAsync(string path)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        if (bytes.Length < HeaderLength)
        {
            throw new InvalidDataException($"state file {path} is truncated ({bytes.Length} bytes)");
        }

        return (BitConverter.ToInt64(bytes, 0), bytes[HeaderLength..]);
    }

    private static async Task<long?> ReadVersionAsync(string path)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var header = new byte[HeaderLength];
            await stream.ReadExactlyAsync(header);
            return BitConverter.ToInt64(header);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static async Task WriteAtomicallyAsync(string path, long version, ReadOnlyMemory<byte> payload)
    {
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(BitConverter.GetBytes(version));
                await stream.WriteAsync(payload);
                await stream.FlushAsync();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Storage {Storage}: write to {GrainId} refused, expected version {Expected}, found {Found}")]
    private partial void LogConflict(string storage, string grainId, string? expected, string? found);
}

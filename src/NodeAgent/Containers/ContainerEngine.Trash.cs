using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Containers;

public sealed partial class ContainerEngine
{
    private readonly Lock _trashLock = new();
    private Task _trashEmptied = Task.CompletedTask;

    /// <summary>Completes once the directories of containers removed so far are deleted.</summary>
    public Task TrashEmptied
    {
        get
        {
            lock (_trashLock)
            {
                return _trashEmptied;
            }
        }
    }

    /// <summary>
    /// Moves a removed container's directory to the trash and deletes it in the background. The rename is
    /// the removal's commit point (a restarted agent no longer finds the container); the deletion of a
    /// writable layer of many files then holds up neither <c>rm</c> nor a <c>run --rm</c> client.
    /// </summary>
    private void Discard(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        var trash = Path.Combine(_options.TrashDirectory, $"{Path.GetFileName(directory)}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(_options.TrashDirectory);
            Directory.Move(directory, trash);
        }
        catch (IOException)
        {
            // The trash is on another file system (EXDEV): delete in place.
            Directory.Delete(directory, recursive: true);
            return;
        }

        lock (_trashLock)
        {
            _trashEmptied = _trashEmptied.ContinueWith(_ => DeleteQuietly(trash), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    /// <summary>Deletes what an agent that stopped or died left in the trash.</summary>
    private void EmptyTrash()
    {
        if (Directory.Exists(_options.TrashDirectory))
        {
            foreach (var directory in Directory.EnumerateDirectories(_options.TrashDirectory))
            {
                DeleteQuietly(directory);
            }
        }
    }

    private void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Log.TrashDeleteFailed(_logger, directory, error.Message);
        }
    }
}

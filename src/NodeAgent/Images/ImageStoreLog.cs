using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Images;

internal static partial class ImageStoreLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Pulled {Reference} as {ImageId} in {Seconds:F2}s ({Bytes} bytes downloaded)")]
    public static partial void Pulled(ILogger logger, string reference, string imageId, double seconds, long bytes);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Pull of {Reference} failed: {Reason}")]
    public static partial void PullFailed(ILogger logger, string reference, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Loaded {ImageId} ({Tags}) from {Path}")]
    public static partial void Loaded(ILogger logger, string imageId, string tags, string path);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Removed image {ImageId}")]
    public static partial void Removed(ILogger logger, string imageId);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Garbage collection removed {Blobs} blobs and {Layers} layers, freeing {Bytes} bytes")]
    public static partial void Collected(ILogger logger, int blobs, int layers, long bytes);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Saved {Reference} to OCI layout {Directory}")]
    public static partial void Saved(ILogger logger, string reference, string directory);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Saved {Images} image(s) as an archive for {References}")]
    public static partial void SavedArchive(ILogger logger, string references, int images);
}

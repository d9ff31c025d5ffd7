using Microsoft.Extensions.Logging;

namespace Flotilla.Gateway.Routing;

internal static partial class RouteFeedLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Subscribing to the route feed at {Address} as gateway {GatewayId} (known version {KnownVersion})")]
    public static partial void Subscribing(ILogger logger, string address, string gatewayId, long knownVersion);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Applied route table version {Version}: {Routes} routes, {Destinations} destinations")]
    public static partial void Applied(ILogger logger, long version, int routes, int destinations);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Route table version {Version}: {Problem}")]
    public static partial void TableProblem(ILogger logger, long version, string problem);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Route feed at {Address} unavailable ({Reason}); keeping route table version {Version}, retrying in {Delay}")]
    public static partial void Unavailable(ILogger logger, string address, string reason, long version, TimeSpan delay);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Route feed at {Address} ended the stream; keeping route table version {Version}, resubscribing in {Delay}")]
    public static partial void StreamEnded(ILogger logger, string address, long version, TimeSpan delay);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Route feed at {Address} rejected the gateway's token ({Status}); check ControlPlane:Token. Retrying in {Delay}")]
    public static partial void Unauthenticated(ILogger logger, string address, string status, TimeSpan delay);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Serving route table version {Version} from {Path} until the control plane answers")]
    public static partial void LoadedFromFile(ILogger logger, long version, string path);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Could not read or write the route table file {Path}: {Reason}")]
    public static partial void FileFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "The proxy refused route table revision {Revision} and keeps routing by the previous one: {Reason}")]
    public static partial void Rejected(ILogger logger, string revision, string reason);
}

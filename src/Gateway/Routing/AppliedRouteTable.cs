using Flotilla.Contracts.Routes;

namespace Flotilla.Gateway.Routing;

/// <summary>The route table the proxy is serving, as received, translated and applied.</summary>
internal sealed record AppliedRouteTable(RouteTable Table, TranslatedRouteTable Translated, DateTimeOffset AppliedAt)
{
    public long Version => Table.Version;

    public DateTimeOffset? GeneratedAt => Table.GeneratedAt?.ToDateTimeOffset();
}

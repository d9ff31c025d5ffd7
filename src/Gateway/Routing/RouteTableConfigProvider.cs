using Flotilla.Contracts.Routes;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Flotilla.Gateway.Routing;

/// <summary>
/// YARP's configuration source: holds one immutable snapshot built from the latest route table and
/// swaps it whole, firing the old snapshot's change token so YARP reloads (as InMemoryConfigProvider does).
/// Until the first table arrives it serves no routes, and <see cref="Current"/> is null.
/// </summary>
internal sealed class RouteTableConfigProvider(TimeProvider timeProvider) : IProxyConfigProvider
{
    private readonly Lock _updateLock = new();
    private volatile Snapshot _snapshot = new(TranslatedRouteTable.Empty, "0");
    private volatile AppliedRouteTable? _current;

    /// <summary>The table being served, or null before the control plane has sent one.</summary>
    public AppliedRouteTable? Current => _current;

    public IProxyConfig GetConfig() => _snapshot;

    public AppliedRouteTable Apply(RouteTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var translated = RouteTableTranslator.Translate(table);
        lock (_updateLock)
        {
            var applied = new AppliedRouteTable(table, translated, timeProvider.GetUtcNow());
            var previous = _snapshot;
            _snapshot = new Snapshot(translated, table.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _current = applied;
            previous.SignalChanged();
            return applied;
        }
    }

    private sealed class Snapshot : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public Snapshot(TranslatedRouteTable translated, string revision)
        {
            Routes = translated.Routes;
            Clusters = translated.Clusters;
            RevisionId = revision;
            ChangeToken = new CancellationChangeToken(_changed.Token);
        }

        public IReadOnlyList<RouteConfig> Routes { get; }

        public IReadOnlyList<ClusterConfig> Clusters { get; }

        public IChangeToken ChangeToken { get; }

        public string RevisionId { get; }

        public void SignalChanged() => _changed.Cancel();
    }
}

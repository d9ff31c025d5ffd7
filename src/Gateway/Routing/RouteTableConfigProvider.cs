using Flotilla.Contracts.Routes;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Flotilla.Gateway.Routing;

/// <summary>
/// YARP's configuration source: holds one immutable snapshot built from the latest route table and
/// swaps it whole, firing the old snapshot's change token so YARP reloads (as InMemoryConfigProvider does).
/// A table becomes <see cref="Current"/> once YARP reports it applied, so "current" means "routing by it".
/// </summary>
internal sealed class RouteTableConfigProvider(TimeProvider timeProvider) : IProxyConfigProvider
{
    private readonly Lock _updateLock = new();
    private volatile Snapshot _snapshot = new(null, TranslatedRouteTable.Empty);
    private volatile AppliedRouteTable? _current;

    /// <summary>The table the proxy routes by, or null before the first one was applied.</summary>
    public AppliedRouteTable? Current => _current;

    /// <summary>Raised when YARP has applied a table (metrics observe propagation through it).</summary>
    public event EventHandler<AppliedRouteTable>? Applied;

    public IProxyConfig GetConfig() => _snapshot;

    /// <summary>Translates <paramref name="table"/> and hands it to YARP; returns what was handed over.</summary>
    public TranslatedRouteTable Apply(RouteTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var translated = RouteTableTranslator.Translate(table);
        lock (_updateLock)
        {
            var previous = _snapshot;
            _snapshot = new Snapshot(table, translated);
            previous.SignalChanged();
        }

        return translated;
    }

    /// <summary>Called by YARP (through <see cref="RouteTableChangeListener"/>) once it routes by these configs.</summary>
    internal void OnConfigurationApplied(IReadOnlyList<IProxyConfig> configs)
    {
        foreach (var config in configs)
        {
            if (config is Snapshot { Table: { } table } snapshot)
            {
                var applied = new AppliedRouteTable(table, snapshot.Translated, timeProvider.GetUtcNow());
                lock (_updateLock)
                {
                    // A late callback for an older snapshot must not replace a newer one.
                    if (!ReferenceEquals(_snapshot, snapshot))
                    {
                        return;
                    }

                    _current = applied;
                }

                Applied?.Invoke(this, applied);
            }
        }
    }

    private sealed class Snapshot : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public Snapshot(RouteTable? table, TranslatedRouteTable translated)
        {
            Table = table;
            Translated = translated;
            RevisionId = (table?.Version ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            ChangeToken = new CancellationChangeToken(_changed.Token);
        }

        public RouteTable? Table { get; }

        public TranslatedRouteTable Translated { get; }

        public IReadOnlyList<RouteConfig> Routes => Translated.Routes;

        public IReadOnlyList<ClusterConfig> Clusters => Translated.Clusters;

        public IChangeToken ChangeToken { get; }

        public string RevisionId { get; }

        public void SignalChanged() => _changed.Cancel();
    }
}

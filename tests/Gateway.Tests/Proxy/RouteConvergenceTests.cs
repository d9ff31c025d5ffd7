using System.Diagnostics;
using System.Globalization;
using Flotilla.Gateway.Tests.Fixtures;
using Xunit.Abstractions;

namespace Flotilla.Gateway.Tests.Proxy;

/// <summary>
/// Route convergence: how long after the route feed publishes a change the gateway routes by it.
/// Asserts only that every change converges; the figures go to the test output and, for
/// bench/gateway.sh, to the file named by GATEWAY_CONVERGENCE_RESULTS.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RouteConvergenceTests(ITestOutputHelper output)
{
    private const int WarmUpSwaps = 3;
    private const int Swaps = 100;

    [Fact]
    public async Task EveryPublishedChange_IsRoutedBy_AndTheOldReplicaStopsGettingTraffic()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var a = await Upstream.StartAsync("web-a");
        await using var b = await Upstream.StartAsync("web-b");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("web", "/", a)).Version);

        var samples = new List<double>();
        var current = a;
        for (var i = 0; i < WarmUpSwaps + Swaps; i++)
        {
            // Replacing the only replica: the first answer from the new one is also the moment the
            // old one stopped getting traffic, since requests go one at a time on one connection.
            var next = ReferenceEquals(current, a) ? b : a;
            var started = Stopwatch.GetTimestamp();
            feed.Publish(Routes.For("web", "/", next));
            string answered;
            do
            {
                using var response = await gateway.GetAsync("/");
                answered = await response.Content.ReadAsStringAsync();
                Assert.True(answered == current.Name || answered == next.Name, $"unexpected answer '{answered}'");
                Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "the change was not routed by within 10 s");
            }
            while (answered != next.Name);

            // The first swaps JIT the reload path; steady state is what an operator lives with.
            if (i >= WarmUpSwaps)
            {
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            current = next;
        }

        samples.Sort();
        var p50 = Percentile(samples, 0.50);
        var p99 = Percentile(samples, 0.99);
        var results = string.Create(CultureInfo.InvariantCulture,
            $"RESULT route_convergence_p50_ms={p50:F2}\nRESULT route_convergence_p99_ms={p99:F2}\nRESULT route_convergence_samples={samples.Count}\n");
        output.WriteLine(results);
        if (Environment.GetEnvironmentVariable("GATEWAY_CONVERGENCE_RESULTS") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, results);
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

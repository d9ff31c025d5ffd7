using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Flotilla.EndToEnd.Tests.Gateway;

/// <summary>
/// Clients that GET one URL in a loop, each on its own keep-alive connection, as a user's traffic
/// would, recording every outcome (status and body, or the transport error) with when it was sent.
/// </summary>
internal sealed class TrafficLoop : IAsyncDisposable
{
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<HttpClient> _clients = [];
    private readonly Task[] _loops;

    public TrafficLoop(Uri url, int clients)
    {
        _loops = new Task[clients];
        for (var i = 0; i < clients; i++)
        {
            var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            _clients.Add(client);
            _loops[i] = Task.Run(() => RunAsync(client, url));
        }
    }

    /// <summary>Now, as <see cref="Since"/> counts: requests sent from here on.</summary>
    public static long Mark() => Stopwatch.GetTimestamp();

    /// <summary>The completed requests that were sent at or after <paramref name="mark"/>, in the order they were sent.</summary>
    public IReadOnlyList<Outcome> Since(long mark) => [.. _outcomes.Where(o => o.SentAt >= mark).OrderBy(o => o.SentAt)];

    /// <summary>Waits until at least <paramref name="count"/> requests sent since <paramref name="mark"/> completed.</summary>
    public async Task<IReadOnlyList<Outcome>> WaitForAsync(long mark, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Since(mark).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"only {Since(mark).Count} of {count} requests completed in 60 s");
            }

            await Task.Delay(50);
        }

        return Since(mark);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(HttpClient client, Uri url)
    {
        while (!_stop.IsCancellationRequested)
        {
            Outcome outcome;
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.GetAsync(url, _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                outcome = new Outcome(sent, response.StatusCode, body.Trim());
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
                outcome = new Outcome(sent, null, error.Message);
            }

            _outcomes.Enqueue(outcome);

            // A short pause so the loop measures the gateway's behaviour, not how fast two cores can spin.
            await Task.Delay(10, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One request: when it was sent (a <see cref="Stopwatch"/> timestamp), its status (null when the gateway could not be reached) and body.</summary>
    internal sealed record Outcome(long SentAt, HttpStatusCode? Status, string Body)
    {
        public bool Ok => Status == HttpStatusCode.OK;
    }
}

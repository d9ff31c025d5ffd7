using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Flotilla.Contracts.Agent;
using Grpc.Core;
using Grpc.Net.Client;

// Scheduling benchmark driver: N simulated agents speak the real agent protocol (register, heartbeat,
// watch their allocation set, report Running), one workload of M replicas is deployed over REST, and
// the time until every replica is reported running gives placements per second. Then the REST API's
// p99 latency is measured under a small concurrent read load.
var options = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0].TrimStart('-'), p => p.Length > 1 ? p[1] : string.Empty);
var rest = options["rest"];
var grpc = options["grpc"];
// Tokens come from the environment so they never show in a process listing.
var apiToken = Environment.GetEnvironmentVariable("FLOTILLA_API_TOKEN") ?? throw new InvalidOperationException("set FLOTILLA_API_TOKEN");
var joinToken = Environment.GetEnvironmentVariable("FLOTILLA_JOIN_TOKEN") ?? throw new InvalidOperationException("set FLOTILLA_JOIN_TOKEN");
var nodes = int.Parse(options.GetValueOrDefault("nodes", "20"), CultureInfo.InvariantCulture);
var replicas = int.Parse(options.GetValueOrDefault("replicas", "200"), CultureInfo.InvariantCulture);
var requests = int.Parse(options.GetValueOrDefault("requests", "1000"), CultureInfo.InvariantCulture);

using var channel = GrpcChannel.ForAddress(grpc);
using var http = new HttpClient { BaseAddress = new Uri(rest), Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
using var stop = new CancellationTokenSource();

var agentTasks = new List<Task>();
for (var i = 0; i < nodes; i++)
{
    agentTasks.Add(await StartAgentAsync(channel, $"bench-node-{i}", $"10.200.{i / 250}.{(i % 250) + 1}", joinToken, stop.Token));
}

var spec = $"name: bench\nimage: localhost:5000/bench:1\nreplicas: {replicas}\nresources: {{ cpu: 0.01, memory: 8Mi, pids: 16 }}\nports: [ {{ name: http, container: 8000 }} ]\n";
var started = Stopwatch.GetTimestamp();
using (var created = await http.PostAsync("/v1/workloads", new StringContent(spec, Encoding.UTF8, "application/yaml")))
{
    if (!created.IsSuccessStatusCode)
    {
        Console.Error.WriteLine($"deploy failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        return 1;
    }
}

while (true)
{
    using var doc = JsonDocument.Parse(await http.GetStringAsync("/v1/workloads/bench"));
    if (doc.RootElement.GetProperty("runningReplicas").GetInt32() >= replicas)
    {
        break;
    }

    if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(5))
    {
        Console.Error.WriteLine("timed out waiting for replicas to run");
        return 1;
    }

    await Task.Delay(20);
}

var placeSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

var latencies = new List<double>(requests);
var next = 0;
await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
{
    while (Interlocked.Increment(ref next) <= requests)
    {
        var t = Stopwatch.GetTimestamp();
        var path = next % 2 == 0 ? "/v1/workloads/bench" : "/v1/nodes";
        using var response = await http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
        var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        lock (latencies)
        {
            latencies.Add(ms);
        }
    }
}));

latencies.Sort();
double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];

await http.DeleteAsync("/v1/workloads/bench");
await stop.CancelAsync();
await Task.WhenAll(agentTasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nodes={nodes} replicas={replicas} placed_and_running_in={placeSeconds:0.000}s api_requests={latencies.Count}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT placements_per_s={replicas / placeSeconds:0.0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT api_p50_ms={Percentile(0.50):0.00}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT api_p99_ms={Percentile(0.99):0.00}"));
return 0;

static async Task<Task> StartAgentAsync(GrpcChannel channel, string nodeId, string address, string joinToken, CancellationToken stop)
{
    var client = new AgentLink.AgentLinkClient(channel);
    var register = new RegisterRequest
    {
        NodeId = nodeId,
        Address = address,
        Capacity = new NodeCapacity { MilliCpu = 64_000, MemoryBytes = 256L << 30, Pids = 1_000_000 },
        AgentVersion = "bench-sim",
    };
    var joined = await client.RegisterAsync(register, new Metadata { { "authorization", $"Bearer {joinToken}" } });
    var headers = new Metadata { { "authorization", $"Bearer {joinToken}" }, { "x-flotilla-node-token", joined.NodeToken } };
    long applied = 0;

    async Task HeartbeatAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            await client.HeartbeatAsync(new HeartbeatRequest { NodeId = nodeId, AppliedVersion = Interlocked.Read(ref applied) }, headers, cancellationToken: stop);
            await Task.Delay(TimeSpan.FromSeconds(joined.HeartbeatIntervalSeconds), stop);
        }
    }

    async Task WatchAsync()
    {
        using var call = client.WatchAllocations(new WatchAllocationsRequest { NodeId = nodeId }, headers, cancellationToken: stop);
        await foreach (var set in call.ResponseStream.ReadAllAsync(stop))
        {
            var report = new ReportAllocationsRequest { NodeId = nodeId };
            foreach (var allocation in set.Allocations)
            {
                var status = new AllocationStatus { AllocationId = allocation.AllocationId, Phase = AllocationPhase.Running };
                foreach (var port in allocation.Ports)
                {
                    status.HostPorts[port.Name] = port.HostPort;
                }

                report.Allocations.Add(status);
            }

            if (report.Allocations.Count > 0)
            {
                await client.ReportAllocationsAsync(report, headers, cancellationToken: stop);
            }

            Interlocked.Exchange(ref applied, set.Version);
        }
    }

    await client.HeartbeatAsync(new HeartbeatRequest { NodeId = nodeId }, headers, cancellationToken: stop);
    return Task.WhenAll(HeartbeatAsync(), WatchAsync());
}

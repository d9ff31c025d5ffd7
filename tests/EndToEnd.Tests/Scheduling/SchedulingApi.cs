using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Flotilla.EndToEnd.Tests.Scheduling;

/// <summary>The control plane's REST API as a user drives it (curl or the CLI would send the same requests).</summary>
internal sealed class SchedulingApi : IDisposable
{
    private readonly HttpClient _http;

    public SchedulingApi(int restPort, string apiToken)
    {
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{restPort.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
    }

    public Task<JsonElement> DeployAsync(string yaml) =>
        SendAsync(HttpMethod.Post, "/v1/workloads", new StringContent(yaml, Encoding.UTF8, "application/yaml"), HttpStatusCode.Created);

    public Task<JsonElement> ScaleAsync(string workload, int replicas) =>
        SendAsync(HttpMethod.Post, $"/v1/workloads/{workload}/scale", JsonContent.Create(new { replicas }), HttpStatusCode.OK);

    public Task DeleteAsync(string workload) => SendAsync(HttpMethod.Delete, $"/v1/workloads/{workload}", null, HttpStatusCode.NoContent);

    public async Task<JsonElement?> GetWorkloadAsync(string workload)
    {
        using var response = await _http.GetAsync(new Uri($"/v1/workloads/{workload}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync(response, HttpStatusCode.OK);
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        return await ReadAsync(response, HttpStatusCode.OK);
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the workload (null when it does not exist).</summary>
    public async Task<JsonElement?> WaitForAsync(string workload, Func<JsonElement?, bool> condition, string what, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        JsonElement? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetWorkloadAsync(workload);
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(300);
        }

        throw new TimeoutException($"workload {workload} never had {what}; last seen: {last?.GetRawText() ?? "(none)"}\n{context?.Invoke()}");
    }

    /// <summary>The replicas shown Running: (id, node, node address, host port "http").</summary>
    public static IReadOnlyList<Replica> Running(JsonElement workload) =>
        [.. workload.GetProperty("replicas").EnumerateArray()
            .Where(r => r.GetProperty("state").GetString() == "Running")
            .Select(r => new Replica(
                r.GetProperty("id").GetString()!,
                r.GetProperty("nodeId").GetString()!,
                r.GetProperty("address").GetString()!.Split(':')[0],
                r.GetProperty("hostPorts").GetProperty("http").GetInt32()))];

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await _http.SendAsync(request);
        return await ReadAsync(response, expected);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        }

        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    internal sealed record Replica(string Id, string Node, string Address, int HostPort);
}

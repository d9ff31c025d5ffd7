using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>
/// <c>/networks</c>: the agent's fixed networks, <c>bridge</c> (its bridge and subnet), <c>host</c> and <c>none</c>,
/// for <c>docker network ls</c> and <c>docker network inspect</c>. User-defined networks are not offered, so
/// creating one is refused with a message saying so. Without networking only <c>host</c> exists.
/// </summary>
internal static class NetworkEndpoints
{
    public static void MapNetworkEndpoints(this IEndpointRouteBuilder app)
    {
        var networks = app.MapGroup("/networks");
        networks.MapGet("", (HttpContext context, ContainerEngine engine) =>
            ContainerEndpoints.Json(new JsonArray([.. Available(context).Select(n => (JsonNode)Describe(n, context, engine))])));

        networks.MapGet("/{id}", (string id, HttpContext context, ContainerEngine engine) =>
        {
            var network = Available(context).FirstOrDefault(n => n.Name == id || Id(n.Name) == id || (id.Length >= 12 && Id(n.Name).StartsWith(id, StringComparison.Ordinal)))
                ?? throw NetworkNotFoundException.For(id);
            return ContainerEndpoints.Json(Describe(network, context, engine));
        });

        networks.MapPost("/create", () =>
        {
            throw new InvalidRunOptionsException("user-defined networks are not supported by this agent: use the bridge network (the default), host or none");
        });
    }

    private static IEnumerable<OfferedNetwork> Available(HttpContext context)
    {
        if (context.RequestServices.GetService<IContainerNetworking>() is null)
        {
            return [new("host", "host", null)];
        }

        var options = context.RequestServices.GetRequiredService<IOptions<NetworkingOptions>>().Value;
        return [new("bridge", "bridge", options), new("host", "host", null), new("none", "null", null)];
    }

    private static JsonObject Describe(OfferedNetwork network, HttpContext context, ContainerEngine engine)
    {
        var networking = context.RequestServices.GetService<IContainerNetworking>();
        var containers = new JsonObject();
        foreach (var record in engine.List().Where(r => r.State is ContainerState.Running or ContainerState.Restarting))
        {
            var view = ContainerNetworkJson.Of(record, networking);
            if (view.Mode != network.Name)
            {
                continue;
            }

            var attachment = view.Attachment;
            containers[record.Id] = new JsonObject
            {
                ["Name"] = record.Name,
                ["EndpointID"] = record.Id,
                ["MacAddress"] = attachment?.MacAddress ?? "",
                ["IPv4Address"] = attachment?.IpAddress is { } address ? $"{address}/{attachment.PrefixLength}" : "",
                ["IPv6Address"] = "",
            };
        }

        var config = new JsonArray();
        if (network.Options is { } options)
        {
            var subnet = Ipv4Subnet.Parse(options.Subnet);
            config.Add((JsonNode)new JsonObject { ["Subnet"] = subnet.ToString(), ["Gateway"] = Ipv4Subnet.Format(subnet.Gateway) });
        }

        var driverOptions = new JsonObject();
        if (network.Options is not null)
        {
            driverOptions["com.docker.network.bridge.name"] = network.Options.BridgeName;
            driverOptions["com.docker.network.driver.mtu"] = network.Options.Mtu.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new JsonObject
        {
            ["Name"] = network.Name,
            ["Id"] = Id(network.Name),
            ["Created"] = "0001-01-01T00:00:00Z",
            ["Scope"] = "local",
            ["Driver"] = network.Driver,
            ["EnableIPv4"] = true,
            ["EnableIPv6"] = false,
            ["IPAM"] = new JsonObject { ["Driver"] = "default", ["Options"] = null, ["Config"] = config },
            ["Internal"] = false,
            ["Attachable"] = false,
            ["Ingress"] = false,
            ["ConfigFrom"] = new JsonObject { ["Network"] = "" },
            ["ConfigOnly"] = false,
            ["Containers"] = containers,
            ["Options"] = driverOptions,
            ["Labels"] = new JsonObject(),
        };
    }

    private sealed record OfferedNetwork(string Name, string Driver, NetworkingOptions? Options);

    /// <summary>A stable 64-hex id per network name, as Docker shows network ids.</summary>
    private static string Id(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("flotilla-network:" + name)));
}

using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Metrics;
using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.Runtime;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary><c>/_ping</c>, <c>/version</c>, <c>/info</c>.</summary>
internal static class SystemEndpoints
{
    public const string ApiVersion = "1.47";
    public const string MinimumApiVersion = "1.24";
    public const string Version = "0.1.0";

    public static void MapSystemEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/_ping", ["GET", "HEAD"], (HttpContext context) =>
        {
            var headers = context.Response.Headers;
            headers["Api-Version"] = ApiVersion;
            headers["Ostype"] = "linux";
            headers["Docker-Experimental"] = "false";
            headers["Builder-Version"] = "1";
            headers.CacheControl = "no-cache, no-store, must-revalidate";
            headers.Pragma = "no-cache";
            return context.Request.Method == "HEAD" ? Results.Ok() : Results.Text("OK", "text/plain");
        });

        app.MapGet("/version", () => ContainerEndpoints.Json(new JsonObject
        {
            ["Platform"] = new JsonObject { ["Name"] = "Flotilla" },
            ["Components"] = new JsonArray(new JsonObject
            {
                ["Name"] = "Engine",
                ["Version"] = Version,
                ["Details"] = new JsonObject { ["ApiVersion"] = ApiVersion, ["MinAPIVersion"] = MinimumApiVersion, ["Os"] = "linux" },
            }),
            ["Version"] = Version,
            ["ApiVersion"] = ApiVersion,
            ["MinAPIVersion"] = MinimumApiVersion,
            ["GitCommit"] = "flotilla",
            ["GoVersion"] = RuntimeInformation.FrameworkDescription,
            ["Os"] = "linux",
            ["Arch"] = Architecture(),
            ["KernelVersion"] = Environment.OSVersion.Version.ToString(),
            ["BuildTime"] = "",
        }));

        app.MapGet("/info", (HttpContext context, ContainerEngine engine, IImageStore images, IOptions<AgentOptions> agent, IOptions<RuntimeOptions> runtime, CgroupReader cgroups) =>
        {
            // Docker names none's driver "null"; without networking every container shares the host's.
            var networking = context.RequestServices.GetService<IContainerNetworking>() is not null;
            var containers = engine.List();
            var runtimeName = Path.GetFileName(runtime.Value.Path);
            return ContainerEndpoints.Json(new JsonObject
            {
                ["ID"] = agent.Value.NodeId,
                ["Containers"] = containers.Count,
                ["ContainersRunning"] = containers.Count(c => c.State == ContainerState.Running),
                ["ContainersPaused"] = 0,
                ["ContainersStopped"] = containers.Count(c => c.State != ContainerState.Running),
                ["Images"] = images.List().Count,
                ["Driver"] = "overlay",
                ["DriverStatus"] = new JsonArray(),
                ["DockerRootDir"] = agent.Value.StateDirectory,
                ["MemTotal"] = ContainerStatsEndpoint.TotalMemory(),
                ["NCPU"] = Environment.ProcessorCount,
                ["OperatingSystem"] = RuntimeInformation.OSDescription,
                ["OSType"] = "linux",
                ["Architecture"] = RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64 ? "x86_64" : "aarch64",
                ["KernelVersion"] = Environment.OSVersion.Version.ToString(),
                ["Name"] = Environment.MachineName,
                ["ServerVersion"] = Version,
                ["CgroupDriver"] = "cgroupfs",
                ["CgroupVersion"] = cgroups.IsUnified ? "2" : "1",
                ["LoggingDriver"] = "json-file",
                ["DefaultRuntime"] = runtimeName,
                ["Runtimes"] = new JsonObject { [runtimeName] = new JsonObject { ["path"] = runtime.Value.Path } },
                ["Plugins"] = new JsonObject
                {
                    ["Volume"] = new JsonArray("local"),
                    ["Network"] = networking ? new JsonArray("bridge", "host", "null") : new JsonArray("host"),
                    ["Log"] = new JsonArray("json-file"),
                },
                ["MemoryLimit"] = true,
                ["SwapLimit"] = false,
                ["CpuCfsPeriod"] = true,
                ["CpuCfsQuota"] = true,
                ["PidsLimit"] = true,
                ["IPv4Forwarding"] = true,
                ["SecurityOptions"] = new JsonArray(),
                ["Labels"] = new JsonArray(),
                ["Warnings"] = new JsonArray(),
            });
        });
    }

    private static string Architecture() =>
        RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64";
}

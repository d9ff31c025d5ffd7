using System.Globalization;
using System.Text.Json;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>Reads a Docker <c>POST /containers/create</c> body into run options.</summary>
internal static class CreateContainerRequest
{
    /// <param name="body">The request body.</param>
    /// <param name="name">The <c>name</c> query parameter.</param>
    /// <param name="imageExposedPorts">The image's exposed ports (<c>80/tcp</c>), asked for only when all ports are published (<c>-P</c>).</param>
    public static ContainerSpec Parse(JsonElement body, string? name, Func<IReadOnlyList<string>>? imageExposedPorts = null)
    {
        var host = body.TryGetProperty("HostConfig", out var h) && h.ValueKind == JsonValueKind.Object ? h : default;
        if (Bool(body, "Tty"))
        {
            throw new InvalidRunOptionsException("a TTY is not supported by this agent: run without -t");
        }

        var mounts = new List<MountSpec>();
        foreach (var bind in Strings(host, "Binds") ?? [])
        {
            mounts.Add(MountSpec.ParseBinding(bind));
        }

        if (host.ValueKind == JsonValueKind.Object && host.TryGetProperty("Mounts", out var mountArray) && mountArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var mount in mountArray.EnumerateArray())
            {
                var type = String(mount, "Type") ?? "volume";
                var kind = type switch
                {
                    "bind" => MountKind.Bind,
                    "volume" => MountKind.Volume,
                    "tmpfs" => MountKind.Tmpfs,
                    _ => throw new InvalidRunOptionsException($"mount type {type} is not supported: use bind, volume or tmpfs"),
                };
                var size = mount.TryGetProperty("TmpfsOptions", out var tmpfs) && tmpfs.ValueKind == JsonValueKind.Object ? Long(tmpfs, "SizeBytes") : 0;
                mounts.Add(new MountSpec(kind, String(mount, "Source") ?? "", String(mount, "Target") ?? "", Bool(mount, "ReadOnly"), size));
            }
        }

        if (host.ValueKind == JsonValueKind.Object && host.TryGetProperty("Tmpfs", out var tmpfsMap) && tmpfsMap.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in tmpfsMap.EnumerateObject())
            {
                mounts.Add(new MountSpec(MountKind.Tmpfs, "", entry.Name, entry.Value.GetString()?.Contains("ro", StringComparison.Ordinal) == true, TmpfsSize(entry.Value.GetString())));
            }
        }

        var nanoCpus = Long(host, "NanoCpus");
        var quota = Long(host, "CpuQuota");
        if (nanoCpus == 0 && quota > 0)
        {
            var period = Long(host, "CpuPeriod") is > 0 and var p ? p : 100_000;
            nanoCpus = quota * 1_000_000_000 / period;
        }

        var restart = host.ValueKind == JsonValueKind.Object && host.TryGetProperty("RestartPolicy", out var r) && r.ValueKind == JsonValueKind.Object
            ? RestartPolicy.FromName(String(r, "Name"), (int)Long(r, "MaximumRetryCount"))
            : RestartPolicy.No;

        var networkMode = CreateContainerNetwork.Mode(host);
        var ports = CreateContainerNetwork.Ports(body, host, networkMode, imageExposedPorts ?? (() => []));
        return new ContainerSpec
        {
            Name = string.IsNullOrEmpty(name) ? null : name,
            Image = String(body, "Image") ?? "",
            Command = Strings(body, "Cmd"),
            Entrypoint = Strings(body, "Entrypoint"),
            Env = Strings(body, "Env") ?? [],
            WorkingDir = NullIfEmpty(String(body, "WorkingDir")),
            User = NullIfEmpty(String(body, "User")),
            Hostname = NullIfEmpty(String(body, "Hostname")),
            Labels = Labels(body),
            StopSignal = NullIfEmpty(String(body, "StopSignal")),
            StopTimeout = body.TryGetProperty("StopTimeout", out var stop) && stop.ValueKind == JsonValueKind.Number ? stop.GetInt32() : null,
            Memory = Long(host, "Memory"),
            NanoCpus = nanoCpus,
            PidsLimit = Long(host, "PidsLimit"),
            ReadOnlyRootfs = Bool(host, "ReadonlyRootfs"),
            RestartPolicy = restart,
            AutoRemove = Bool(host, "AutoRemove"),
            NetworkMode = networkMode,
            Ports = ports,
            Mounts = mounts,
        };
    }

    private static long TmpfsSize(string? options)
    {
        foreach (var option in (options ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (option.StartsWith("size=", StringComparison.Ordinal))
            {
                return Units.ParseBytes(option[5..]);
            }
        }

        return 0;
    }

    private static Dictionary<string, string> Labels(JsonElement body)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body.TryGetProperty("Labels", out var element) && element.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in element.EnumerateObject())
            {
                labels[label.Name] = label.Value.GetString() ?? "";
            }
        }

        return labels;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static long Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    /// <summary>A string array, or a single string (Docker accepts both for Cmd/Entrypoint); null when absent.</summary>
    private static List<string>? Strings(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Array => [.. value.EnumerateArray().Select(v => v.GetString() ?? "")],
            JsonValueKind.String => [value.GetString() ?? ""],
            _ => null,
        };
    }
}

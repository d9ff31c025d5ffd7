using System.Globalization;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Volumes;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>Renders containers in the shapes Docker clients read (<c>/containers/json</c>, <c>/containers/{id}/json</c>).</summary>
internal static class ContainerJson
{
    private const string ZeroTime = "0001-01-01T00:00:00Z";

    public static JsonObject Summary(ContainerRecord record, VolumeStore volumes, DateTimeOffset now, ContainerNetworkJson network) => new()
    {
        ["Id"] = record.Id,
        ["Names"] = new JsonArray("/" + record.Name),
        ["Image"] = record.Spec.Image,
        ["ImageID"] = record.ImageId,
        ["Command"] = string.Join(' ', record.Args),
        ["Created"] = record.Created.ToUnixTimeSeconds(),
        ["Ports"] = network.SummaryPorts(record),
        ["Labels"] = Labels(record.Spec.Labels),
        ["State"] = StateName(record.State),
        ["Status"] = Status(record, now),
        ["HostConfig"] = new JsonObject { ["NetworkMode"] = network.Mode },
        ["NetworkSettings"] = network.SummarySettings(record),
        ["Mounts"] = Mounts(record, volumes),
    };

    public static JsonObject Inspect(ContainerRecord record, ContainerPaths paths, VolumeStore volumes, ContainerNetworkJson network)
    {
        var spec = record.Spec;
        return new JsonObject
        {
            ["Id"] = record.Id,
            ["Created"] = Time(record.Created),
            ["Path"] = record.Args.Count > 0 ? record.Args[0] : "",
            ["Args"] = new JsonArray([.. record.Args.Skip(1).Select(a => (JsonNode)a)]),
            ["State"] = new JsonObject
            {
                ["Status"] = StateName(record.State),
                ["Running"] = record.State == ContainerState.Running,
                ["Paused"] = false,
                ["Restarting"] = record.State == ContainerState.Restarting,
                ["OOMKilled"] = record.OomKilled,
                ["Dead"] = false,
                ["Pid"] = record.State == ContainerState.Running ? record.Pid : 0,
                ["ExitCode"] = record.ExitCode,
                ["Error"] = record.Error ?? "",
                ["StartedAt"] = record.StartedAt is { } started ? Time(started) : ZeroTime,
                ["FinishedAt"] = record.FinishedAt is { } finished ? Time(finished) : ZeroTime,
            },
            ["Image"] = record.ImageId,
            ["ResolvConfPath"] = Path.Combine(paths.Etc, "resolv.conf"),
            ["HostnamePath"] = Path.Combine(paths.Etc, "hostname"),
            ["HostsPath"] = Path.Combine(paths.Etc, "hosts"),
            ["LogPath"] = paths.Log,
            ["Name"] = "/" + record.Name,
            ["RestartCount"] = record.RestartCount,
            ["Driver"] = "overlay",
            ["Platform"] = "linux",
            ["MountLabel"] = "",
            ["ProcessLabel"] = "",
            ["AppArmorProfile"] = "",
            ["ExecIDs"] = null,
            ["HostConfig"] = new JsonObject
            {
                ["Binds"] = new JsonArray([.. spec.Mounts.Where(m => m.Kind != MountKind.Tmpfs).Select(m => (JsonNode)$"{m.Source}:{m.Target}{(m.ReadOnly ? ":ro" : "")}")]),
                ["NetworkMode"] = network.Mode,
                ["PortBindings"] = ContainerNetworkJson.PortBindings(spec),
                ["RestartPolicy"] = new JsonObject { ["Name"] = spec.RestartPolicy.Name, ["MaximumRetryCount"] = spec.RestartPolicy.MaximumRetryCount },
                ["AutoRemove"] = spec.AutoRemove,
                ["Memory"] = spec.Memory,
                ["NanoCpus"] = spec.NanoCpus,
                ["PidsLimit"] = spec.PidsLimit,
                ["ReadonlyRootfs"] = spec.ReadOnlyRootfs,
                ["LogConfig"] = new JsonObject { ["Type"] = "json-file", ["Config"] = new JsonObject() },
            },
            ["GraphDriver"] = new JsonObject
            {
                ["Name"] = "overlay",
                ["Data"] = new JsonObject { ["UpperDir"] = paths.Upper, ["WorkDir"] = paths.Work, ["MergedDir"] = paths.Rootfs },
            },
            ["Mounts"] = Mounts(record, volumes),
            ["Config"] = new JsonObject
            {
                ["Hostname"] = record.Hostname,
                ["User"] = record.User,
                ["Env"] = new JsonArray([.. record.Env.Select(e => (JsonNode)e)]),
                ["Cmd"] = spec.Command is null ? null : new JsonArray([.. spec.Command.Select(c => (JsonNode)c)]),
                ["Entrypoint"] = spec.Entrypoint is null ? null : new JsonArray([.. spec.Entrypoint.Select(c => (JsonNode)c)]),
                ["Image"] = spec.Image,
                ["WorkingDir"] = record.WorkingDir,
                ["Labels"] = Labels(spec.Labels),
                ["Tty"] = false,
                ["OpenStdin"] = false,
                ["AttachStdout"] = false,
                ["AttachStderr"] = false,
                ["StopSignal"] = spec.StopSignal,
                ["ExposedPorts"] = ContainerNetworkJson.ExposedPorts(spec),
            },
            ["NetworkSettings"] = network.InspectSettings(record),
        };
    }

    public static string StateName(ContainerState state) => state switch
    {
        ContainerState.Created => "created",
        ContainerState.Running => "running",
        ContainerState.Restarting => "restarting",
        ContainerState.Removed => "removing",
        _ => "exited",
    };

    /// <summary>Docker's human status column: "Up 5 seconds", "Exited (0) 2 minutes ago", "Created".</summary>
    public static string Status(ContainerRecord record, DateTimeOffset now) => record.State switch
    {
        ContainerState.Running => $"Up {Ago(now - (record.StartedAt ?? now))}",
        ContainerState.Restarting => $"Restarting ({record.ExitCode.ToString(CultureInfo.InvariantCulture)}) {Ago(now - (record.FinishedAt ?? now))} ago",
        ContainerState.Exited => $"Exited ({record.ExitCode.ToString(CultureInfo.InvariantCulture)}) {Ago(now - (record.FinishedAt ?? now))} ago",
        ContainerState.Removed => "Removal In Progress",
        _ => "Created",
    };

    private static string Ago(TimeSpan span) => span.TotalSeconds switch
    {
        < 1 => "Less than a second",
        < 60 => $"{(int)span.TotalSeconds} seconds",
        < 3600 => $"{(int)span.TotalMinutes} minutes",
        < 172800 => $"{(int)span.TotalHours} hours",
        _ => $"{(int)span.TotalDays} days",
    };

    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static JsonObject Labels(IReadOnlyDictionary<string, string> labels)
    {
        var json = new JsonObject();
        foreach (var (key, value) in labels)
        {
            json[key] = value;
        }

        return json;
    }

    private static JsonArray Mounts(ContainerRecord record, VolumeStore volumes) =>
        new([.. record.Spec.Mounts.Select(m => (JsonNode)new JsonObject
        {
            ["Type"] = m.Kind.ToString().ToLowerInvariant(),
            ["Name"] = m.Kind == MountKind.Volume ? m.Source : null,
            ["Source"] = m.Kind switch
            {
                MountKind.Volume => volumes.Find(m.Source)?.Mountpoint ?? "",
                MountKind.Bind => m.Source,
                _ => "",
            },
            ["Destination"] = m.Target,
            ["Driver"] = m.Kind == MountKind.Volume ? "local" : null,
            ["Mode"] = m.ReadOnly ? "ro" : "",
            ["RW"] = !m.ReadOnly,
            ["Propagation"] = m.Kind == MountKind.Bind ? "rprivate" : "",
        })]);
}

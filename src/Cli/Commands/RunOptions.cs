using System.Globalization;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary>Turns <c>run</c>'s flags into Docker's <c>POST /containers/create</c> body, checking each value first.</summary>
internal static class RunOptions
{
    public static readonly OptionSpec[] Options =
    [
        OptionSpec.Flag("detach", 'd', "Run in the background and print the container ID"),
        OptionSpec.Flag("rm", null, "Remove the container when it exits"),
        OptionSpec.Value("name", null, "NAME", "Name the container"),
        OptionSpec.Many("env", 'e', "KEY=VALUE", "Set an environment variable (KEY alone takes it from this shell)"),
        OptionSpec.Many("volume", 'v', "SRC:DST[:ro]", "Mount a named volume or a host path"),
        OptionSpec.Many("publish", 'p', "[IP:][HOST:]PORT[/PROTO]", "Publish a container port on the host"),
        OptionSpec.Many("label", 'l', "KEY=VALUE", "Set a label"),
        OptionSpec.Value("memory", 'm', "BYTES", "Memory limit (e.g. 64m, 1g)"),
        OptionSpec.Value("cpus", null, "N", "CPU limit in CPUs (e.g. 0.5)"),
        OptionSpec.Value("pids-limit", null, "N", "Maximum number of processes"),
        OptionSpec.Flag("read-only", null, "Mount the root filesystem read-only"),
        OptionSpec.Value("restart", null, "POLICY", "no, always, on-failure[:N] or unless-stopped"),
        OptionSpec.Value("user", 'u', "USER[:GROUP]", "Run as this user"),
        OptionSpec.Value("workdir", 'w', "DIR", "Working directory inside the container"),
        OptionSpec.Value("entrypoint", null, "CMD", "Replace the image's entrypoint (\"\" clears it)"),
        OptionSpec.Value("network", null, "MODE", "Network: host, none, bridge or a network name"),
        OptionSpec.Value("hostname", null, "NAME", "The container's host name"),
    ];

    /// <summary>The create body for <paramref name="image"/> running <paramref name="command"/> (empty: the image's).</summary>
    public static byte[] BuildCreateBody(ParsedCommand run, string image, IReadOnlyList<string> command)
    {
        var detach = run.Flag("detach");
        var remove = run.Flag("rm");
        var restart = ParseRestart(run.Value("restart"));
        if (remove && restart is { Name: not "no" })
        {
            throw new UsageException("conflicting options: --restart and --rm (a container removed at exit cannot be restarted)", run.Spec.Name);
        }

        var memory = run.Value("memory") is { } m ? ParseBytes(m, "--memory") : 0;
        var nanoCpus = run.Value("cpus") is { } c ? ParseCpus(c) : 0;
        var pids = run.Int("pids-limit", min: -1) ?? 0;
        var ports = run.Values("publish").Select(ParsePort).ToList();
        var env = run.Values("env").Select(ExpandEnv).Where(e => e is not null).ToList();
        var labels = run.Values("label").Select(l => Split(l, "--label")).ToList();
        foreach (var volume in run.Values("volume"))
        {
            var parts = volume.Split(':');
            if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || !parts[1].StartsWith('/') || (parts.Length == 3 && parts[2] is not ("ro" or "rw")))
            {
                throw new UsageException($"invalid volume \"{volume}\": use NAME:/path or /host/path:/path, with :ro for read-only", run.Spec.Name);
            }
        }

        return JsonOutput.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("Image", image);
            if (command.Count > 0)
            {
                WriteStrings(w, "Cmd", command);
            }

            if (run.Value("entrypoint") is { } entrypoint)
            {
                WriteStrings(w, "Entrypoint", entrypoint.Length == 0 ? [] : [entrypoint]);
            }

            WriteStrings(w, "Env", env!);
            WriteIfSet(w, "WorkingDir", run.Value("workdir"));
            WriteIfSet(w, "User", run.Value("user"));
            WriteIfSet(w, "Hostname", run.Value("hostname"));
            w.WriteBoolean("Tty", false);
            w.WriteBoolean("OpenStdin", false);
            w.WriteBoolean("AttachStdout", !detach);
            w.WriteBoolean("AttachStderr", !detach);
            w.WriteStartObject("Labels");
            foreach (var (key, value) in labels)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            w.WriteStartObject("ExposedPorts");
            foreach (var port in ports.Select(p => p.Key).Distinct())
            {
                w.WriteStartObject(port);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteStartObject("HostConfig");
            WriteStrings(w, "Binds", run.Values("volume"));
            w.WriteNumber("Memory", memory);
            w.WriteNumber("NanoCpus", nanoCpus);
            w.WriteNumber("PidsLimit", pids);
            w.WriteBoolean("ReadonlyRootfs", run.Flag("read-only"));
            w.WriteBoolean("AutoRemove", remove);
            WriteIfSet(w, "NetworkMode", run.Value("network"));
            w.WriteStartObject("RestartPolicy");
            w.WriteString("Name", restart?.Name ?? "no");
            w.WriteNumber("MaximumRetryCount", restart?.MaxRetries ?? 0);
            w.WriteEndObject();
            w.WriteStartObject("PortBindings");
            foreach (var group in ports.GroupBy(p => p.Key))
            {
                w.WriteStartArray(group.Key);
                foreach (var port in group)
                {
                    w.WriteStartObject();
                    w.WriteString("HostIp", port.HostIp);
                    w.WriteString("HostPort", port.HostPort);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>A published port: <c>8080:80</c>, <c>127.0.0.1:8080:80/udp</c>, <c>127.0.0.1::80</c>, <c>80</c>.</summary>
    public static (string Key, string HostIp, string HostPort) ParsePort(string text)
    {
        var spec = text;
        var protocol = "tcp";
        var slash = spec.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = spec[(slash + 1)..];
            spec = spec[..slash];
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                throw new UsageException($"invalid port \"{text}\": the protocol must be tcp, udp or sctp");
            }
        }

        var parts = spec.Split(':');
        var (hostIp, hostPort, containerPort) = parts.Length switch
        {
            1 => ("", "", parts[0]),
            2 => ("", parts[0], parts[1]),
            3 => (parts[0], parts[1], parts[2]),
            _ => throw new UsageException($"invalid port \"{text}\": use [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]"),
        };
        if (!IsPort(containerPort) || (hostPort.Length > 0 && !IsPort(hostPort)))
        {
            throw new UsageException($"invalid port \"{text}\": ports are numbers from 1 to 65535");
        }

        if (hostIp.Length > 0 && !System.Net.IPAddress.TryParse(hostIp, out _))
        {
            throw new UsageException($"invalid port \"{text}\": \"{hostIp}\" is not an IP address");
        }

        return ($"{containerPort}/{protocol}", hostIp, hostPort);
    }

    /// <summary>Docker's restart policies; null when not given.</summary>
    public static (string Name, int MaxRetries)? ParseRestart(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(':', 2);
        return parts[0] switch
        {
            "no" or "always" or "unless-stopped" when parts.Length == 1 => (parts[0], 0),
            "on-failure" when parts.Length == 1 => ("on-failure", 0),
            "on-failure" when int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var retries) => ("on-failure", retries),
            _ => throw new UsageException($"invalid restart policy \"{text}\": use no, always, on-failure[:N] or unless-stopped"),
        };
    }

    /// <summary>Sizes as docker reads them: a number with an optional b, k, m, g suffix (binary).</summary>
    public static long ParseBytes(string text, string flag)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        if (trimmed.EndsWith('b') && trimmed.Length > 1 && char.IsLetter(trimmed[^2]))
        {
            trimmed = trimmed[..^1];
        }

        var multiplier = 1L;
        if (trimmed.Length > 0 && trimmed[^1] is 'b' or 'k' or 'm' or 'g' or 't')
        {
            multiplier = trimmed[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, _ => 1 };
            trimmed = trimmed[..^1];
        }

        return double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0
            ? (long)(value * multiplier)
            : throw new UsageException($"invalid size \"{text}\" for {flag}: use a positive number with an optional unit (k, m, g), e.g. 64m");
    }

    public static long ParseCpus(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpus) && cpus > 0 && cpus <= 1024
            ? (long)Math.Round(cpus * 1e9)
            : throw new UsageException($"invalid value \"{text}\" for --cpus: use a positive number of CPUs, e.g. 0.5");

    private static string? ExpandEnv(string entry)
    {
        if (entry.Length == 0 || entry[0] == '=')
        {
            throw new UsageException($"invalid environment variable \"{entry}\": use KEY=VALUE");
        }

        return entry.Contains('=', StringComparison.Ordinal) ? entry
            : Environment.GetEnvironmentVariable(entry) is { } value ? $"{entry}={value}" : null;
    }

    private static (string Key, string Value) Split(string entry, string flag)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        return equals switch
        {
            0 => throw new UsageException($"invalid value \"{entry}\" for {flag}: use KEY=VALUE"),
            < 0 => (entry, ""),
            _ => (entry[..equals], entry[(equals + 1)..]),
        };
    }

    private static bool IsPort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535;

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}

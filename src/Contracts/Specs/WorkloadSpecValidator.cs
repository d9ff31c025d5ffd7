using System.Text.RegularExpressions;

namespace Flotilla.Contracts.Specs;

/// <summary>Checks every field of a spec and names each one that breaks a rule; an empty list means valid.</summary>
public static partial class WorkloadSpecValidator
{
    private static readonly string[] RestartPolicies = ["always", "on-failure", "never"];
    private static readonly string[] Strategies = ["spread", "binpack"];
    private static readonly string[] Protocols = ["tcp", "udp"];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]+)*(/[a-z0-9._-]+)(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$")]
    private static partial Regex ImageReference();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    [GeneratedRegex(@"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
    private static partial Regex LabelKey();

    public static IReadOnlyList<SpecError> Validate(WorkloadSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<SpecError>();

        if (string.IsNullOrEmpty(spec.Name))
        {
            errors.Add(new("name", "is required"));
        }
        else if (!DnsLabel().IsMatch(spec.Name))
        {
            errors.Add(new("name", "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit (no '/' or '.')"));
        }

        if (string.IsNullOrWhiteSpace(spec.Image))
        {
            errors.Add(new("image", "is required"));
        }
        else if (spec.Image.Length > 512 || !ImageReference().IsMatch(spec.Image))
        {
            errors.Add(new("image", $"'{spec.Image}' is not an image reference like registry:5000/name:tag"));
        }

        if (spec.Replicas is < 0 or > WorkloadDefaults.MaxReplicas)
        {
            errors.Add(new("replicas", $"must be between 0 and {WorkloadDefaults.MaxReplicas}"));
        }

        ValidateCommand(spec, errors);
        ValidateEnv(spec, errors);
        ValidateResources(spec.Resources, errors);
        var portNames = ValidatePorts(spec.Ports, errors);
        ValidateExpose(spec.Expose, portNames, errors);
        ValidateHealth(spec.Health, portNames, errors);
        ValidateRestart(spec.Restart, errors);
        ValidateUpdate(spec.Update, errors);
        ValidatePlacement(spec.Placement, errors);
        ValidateVolumes(spec.Volumes, errors);
        return errors;
    }

    private static void ValidateCommand(WorkloadSpec spec, List<SpecError> errors)
    {
        if (spec.Command is null)
        {
            return;
        }

        for (var i = 0; i < spec.Command.Count; i++)
        {
            if (spec.Command[i] is null)
            {
                errors.Add(new($"command[{i}]", "must be a string"));
            }
        }

        if (spec.Command.Count > 0 && string.IsNullOrEmpty(spec.Command[0]))
        {
            errors.Add(new("command[0]", "the program to run must not be empty"));
        }
    }

    private static void ValidateEnv(WorkloadSpec spec, List<SpecError> errors)
    {
        foreach (var (key, value) in spec.Env ?? new Dictionary<string, string>())
        {
            if (!EnvName().IsMatch(key))
            {
                errors.Add(new($"env.{key}", "a variable name is letters, digits and '_', not starting with a digit"));
            }
            else if (value is null)
            {
                errors.Add(new($"env.{key}", "must have a value (write \"\" for an empty one)"));
            }
        }
    }

    private static void ValidateResources(ResourceSpec? resources, List<SpecError> errors)
    {
        if (resources is null)
        {
            return;
        }

        if (resources.Cpu is { } cpu && (double.IsNaN(cpu) || cpu < 0.001 || cpu > 1024))
        {
            errors.Add(new("resources.cpu", "must be between 0.001 and 1024 cores"));
        }

        if (resources.Memory is not null && !Quantity.TryParseMemory(resources.Memory, out _))
        {
            errors.Add(new("resources.memory", $"'{resources.Memory}' is not a memory size like 64Mi, 1Gi or 500M"));
        }

        if (resources.Pids is < 1)
        {
            errors.Add(new("resources.pids", "must be at least 1"));
        }
    }

    private static HashSet<string> ValidatePorts(IReadOnlyList<PortSpec>? ports, List<SpecError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var containerPorts = new HashSet<(int, string)>();
        var hostPorts = new HashSet<(int, string)>();
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var field = $"ports[{i}]";
            if (port is null)
            {
                errors.Add(new(field, "must be an object like { name: http, container: 8000 }"));
                continue;
            }

            var protocol = port.Protocol ?? "tcp";
            if (!Protocols.Contains(protocol))
            {
                errors.Add(new($"{field}.protocol", "must be tcp or udp"));
            }

            if (port.Name is not null && !DnsLabel().IsMatch(port.Name))
            {
                errors.Add(new($"{field}.name", "must be lowercase letters, digits or '-'"));
            }
            else if (port.Name is not null && !names.Add(port.Name))
            {
                errors.Add(new($"{field}.name", $"'{port.Name}' is used by another port"));
            }

            if (port.Container is null)
            {
                errors.Add(new($"{field}.container", "is required"));
            }
            else if (port.Container is < 1 or > 65535)
            {
                errors.Add(new($"{field}.container", "must be between 1 and 65535"));
            }
            else if (!containerPorts.Add((port.Container.Value, protocol)))
            {
                errors.Add(new($"{field}.container", $"{port.Container}/{protocol} is listed twice"));
            }

            if (port.Host is < 1 or > 65535)
            {
                errors.Add(new($"{field}.host", "must be between 1 and 65535"));
            }
            else if (port.Host is { } host && !hostPorts.Add((host, protocol)))
            {
                errors.Add(new($"{field}.host", $"{host}/{protocol} is listed twice"));
            }
        }

        return names;
    }

    private static void ValidateExpose(ExposeSpec? expose, HashSet<string> portNames, List<SpecError> errors)
    {
        if (expose is null)
        {
            return;
        }

        if (expose.Host is not null && (expose.Host.Length > 253 || !HostName().IsMatch(expose.Host)))
        {
            errors.Add(new("expose.host", $"'{expose.Host}' is not a host name"));
        }

        if (expose.Path is not null && (!expose.Path.StartsWith('/') || expose.Path.Contains(' ', StringComparison.Ordinal)))
        {
            errors.Add(new("expose.path", "must start with '/' and contain no spaces"));
        }

        if (string.IsNullOrEmpty(expose.Port))
        {
            errors.Add(new("expose.port", "is required: the name of one of ports"));
        }
        else if (!portNames.Contains(expose.Port))
        {
            errors.Add(new("expose.port", $"'{expose.Port}' is not the name of one of ports"));
        }
    }

    private static void ValidateHealth(HealthSpec? health, HashSet<string> portNames, List<SpecError> errors)
    {
        if (health is null)
        {
            return;
        }

        if (health.Http is null)
        {
            errors.Add(new("health.http", "is required: { path: /, port: <port name> }"));
        }
        else
        {
            if (health.Http.Path is null || !health.Http.Path.StartsWith('/'))
            {
                errors.Add(new("health.http.path", "must start with '/'"));
            }

            if (health.Http.Port is null || !portNames.Contains(health.Http.Port))
            {
                errors.Add(new("health.http.port", $"'{health.Http.Port}' is not the name of one of ports"));
            }
        }

        TimeSpan interval = TimeSpan.FromSeconds(10), timeout = TimeSpan.FromSeconds(1);
        if (health.Interval is not null && !Quantity.TryParseDuration(health.Interval, out interval))
        {
            errors.Add(new("health.interval", $"'{health.Interval}' is not a duration like 5s or 500ms"));
        }

        if (health.Timeout is not null && !Quantity.TryParseDuration(health.Timeout, out timeout))
        {
            errors.Add(new("health.timeout", $"'{health.Timeout}' is not a duration like 1s or 500ms"));
        }
        else if (health.Timeout is not null && health.Interval is not null && timeout > interval)
        {
            errors.Add(new("health.timeout", "must not be longer than health.interval"));
        }

        if (health.Retries is < 1 or > 100)
        {
            errors.Add(new("health.retries", "must be between 1 and 100"));
        }
    }

    private static void ValidateRestart(RestartSpec? restart, List<SpecError> errors)
    {
        if (restart?.Policy is { } policy && !RestartPolicies.Contains(policy))
        {
            errors.Add(new("restart.policy", "must be always, on-failure or never"));
        }
    }

    private static void ValidateUpdate(UpdateSpec? update, List<SpecError> errors)
    {
        if (update is null)
        {
            return;
        }

        if (update.MaxSurge is < 0)
        {
            errors.Add(new("update.maxSurge", "must be 0 or more"));
        }

        if (update.MaxUnavailable is < 0)
        {
            errors.Add(new("update.maxUnavailable", "must be 0 or more"));
        }

        if (update.MaxSurge == 0 && update.MaxUnavailable == 0)
        {
            errors.Add(new("update.maxSurge", "maxSurge and maxUnavailable cannot both be 0: an update could never progress"));
        }
    }

    private static void ValidatePlacement(PlacementSpec? placement, List<SpecError> errors)
    {
        if (placement is null)
        {
            return;
        }

        if (placement.Strategy is { } strategy && !Strategies.Contains(strategy))
        {
            errors.Add(new("placement.strategy", "must be spread or binpack"));
        }

        for (var i = 0; i < (placement.Constraints?.Count ?? 0); i++)
        {
            var text = placement.Constraints![i];
            if (!PlacementConstraint.TryParse(text, out _))
            {
                errors.Add(new($"placement.constraints[{i}]", $"'{text}' does not parse: write 'key == value', 'key != value', 'key in (a, b)', 'key' or '!key'"));
            }
        }

        if (placement.SpreadBy is { } label && !LabelKey().IsMatch(label))
        {
            errors.Add(new("placement.spreadBy", $"'{label}' is not a label key"));
        }
    }

    private static void ValidateVolumes(IReadOnlyList<VolumeSpec>? volumes, List<SpecError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var mounts = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var volume = volumes![i];
            var field = $"volumes[{i}]";
            if (volume is null)
            {
                errors.Add(new(field, "must be an object like { name: data, mount: /data }"));
                continue;
            }

            if (volume.Name is null || !DnsLabel().IsMatch(volume.Name))
            {
                errors.Add(new($"{field}.name", "is required: lowercase letters, digits or '-'"));
            }
            else if (!names.Add(volume.Name))
            {
                errors.Add(new($"{field}.name", $"'{volume.Name}' is listed twice"));
            }

            if (volume.Mount is null || !volume.Mount.StartsWith('/') || volume.Mount.Split('/').Contains(".."))
            {
                errors.Add(new($"{field}.mount", "must be an absolute path without '..'"));
            }
            else if (!mounts.Add(volume.Mount.TrimEnd('/')))
            {
                errors.Add(new($"{field}.mount", $"'{volume.Mount}' is mounted twice"));
            }
        }
    }
}

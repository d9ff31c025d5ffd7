namespace Flotilla.Runtime.Spec;

// The subset of the OCI runtime-spec (config.json) that flotilla-runtime reads. Unknown fields are
// ignored on purpose (the spec grows); fields we cannot honour are refused by SpecValidator.

internal sealed record RuntimeSpec
{
    public string? OciVersion { get; init; }
    public ProcessSpec? Process { get; init; }
    public RootSpec? Root { get; init; }
    public string? Hostname { get; init; }
    public string? Domainname { get; init; }
    public IReadOnlyList<MountSpec>? Mounts { get; init; }
    public LinuxSpec? Linux { get; init; }
    public HooksSpec? Hooks { get; init; }
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

internal sealed record HooksSpec
{
    public IReadOnlyList<System.Text.Json.JsonElement>? Prestart { get; init; }
    public IReadOnlyList<System.Text.Json.JsonElement>? CreateRuntime { get; init; }
    public IReadOnlyList<System.Text.Json.JsonElement>? CreateContainer { get; init; }
    public IReadOnlyList<System.Text.Json.JsonElement>? StartContainer { get; init; }
    public IReadOnlyList<System.Text.Json.JsonElement>? Poststart { get; init; }
    public IReadOnlyList<System.Text.Json.JsonElement>? Poststop { get; init; }

    public bool Any => new[] { Prestart, CreateRuntime, CreateContainer, StartContainer, Poststart, Poststop }
        .Any(h => h is { Count: > 0 });
}

internal sealed record ProcessSpec
{
    public bool Terminal { get; init; }
    public UserSpec? User { get; init; }
    public IReadOnlyList<string>? Args { get; init; }
    public IReadOnlyList<string>? Env { get; init; }
    public string? Cwd { get; init; }
    public CapabilitiesSpec? Capabilities { get; init; }
    public IReadOnlyList<RlimitSpec>? Rlimits { get; init; }
    public bool NoNewPrivileges { get; init; }
    public int? OomScoreAdj { get; init; }
    public string? ApparmorProfile { get; init; }
    public string? SelinuxLabel { get; init; }
}

internal sealed record UserSpec
{
    public long Uid { get; init; }
    public long Gid { get; init; }
    public int? Umask { get; init; }
    public IReadOnlyList<long>? AdditionalGids { get; init; }
}

internal sealed record CapabilitiesSpec
{
    public IReadOnlyList<string>? Bounding { get; init; }
    public IReadOnlyList<string>? Effective { get; init; }
    public IReadOnlyList<string>? Inheritable { get; init; }
    public IReadOnlyList<string>? Permitted { get; init; }
    public IReadOnlyList<string>? Ambient { get; init; }
}

internal sealed record RlimitSpec
{
    public string Type { get; init; } = "";
    public ulong Hard { get; init; }
    public ulong Soft { get; init; }
}

internal sealed record RootSpec
{
    public string? Path { get; init; }
    public bool Readonly { get; init; }
}

internal sealed record MountSpec
{
    public string? Destination { get; init; }
    public string? Type { get; init; }
    public string? Source { get; init; }
    public IReadOnlyList<string>? Options { get; init; }
}

using System.Text.Json;

namespace Flotilla.Runtime.Spec;

/// <summary>
/// Reads config.json (and exec's process.json) into the spec records by hand over a JsonDocument:
/// the reflection-free serializer's first call costs milliseconds of set-up on every runtime start,
/// this costs tens of microseconds. Field names follow the runtime-spec.
/// </summary>
internal static class SpecReader
{
    public static RuntimeSpec ReadSpec(JsonFields json)
    {
        string? ociVersion = null, hostname = null, domainname = null;
        ProcessSpec? process = null;
        RootSpec? root = null;
        List<MountSpec>? mounts = null;
        LinuxSpec? linux = null;
        HooksSpec? hooks = null;
        Dictionary<string, string>? annotations = null;
        foreach (var (name, value) in json.Members())
        {
            switch (name)
            {
                case "ociversion": ociVersion = value.String(); break;
                case "process": process = value.IsNull ? null : ReadProcess(value); break;
                case "root": root = value.IsNull ? null : ReadRoot(value); break;
                case "hostname": hostname = value.String(); break;
                case "domainname": domainname = value.String(); break;
                case "mounts": mounts = value.List(ReadMount); break;
                case "linux": linux = value.IsNull ? null : ReadLinux(value); break;
                case "hooks": hooks = value.IsNull ? null : ReadHooks(value); break;
                case "annotations": annotations = value.StringMap(); break;
            }
        }
        return new RuntimeSpec
        {
            OciVersion = ociVersion, Process = process, Root = root, Hostname = hostname, Domainname = domainname,
            Mounts = mounts, Linux = linux, Hooks = hooks, Annotations = annotations,
        };
    }

    public static ProcessSpec ReadProcess(JsonFields json)
    {
        var process = new ProcessSpec();
        foreach (var (name, value) in json.Members())
        {
            process = name switch
            {
                "terminal" => process with { Terminal = value.Bool() },
                "user" => process with { User = value.IsNull ? null : ReadUser(value) },
                "args" => process with { Args = value.Strings() },
                "env" => process with { Env = value.Strings() },
                "cwd" => process with { Cwd = value.String() },
                "capabilities" => process with { Capabilities = value.IsNull ? null : ReadCapabilities(value) },
                "rlimits" => process with { Rlimits = value.List(ReadRlimit) },
                "nonewprivileges" => process with { NoNewPrivileges = value.Bool() },
                "oomscoreadj" => process with { OomScoreAdj = value.NullableInt() },
                "apparmorprofile" => process with { ApparmorProfile = value.String() },
                "selinuxlabel" => process with { SelinuxLabel = value.String() },
                _ => process,
            };
        }
        return process;
    }

    private static UserSpec ReadUser(JsonFields json)
    {
        var user = new UserSpec();
        foreach (var (name, value) in json.Members())
        {
            user = name switch
            {
                "uid" => user with { Uid = value.Long() },
                "gid" => user with { Gid = value.Long() },
                "umask" => user with { Umask = value.NullableInt() },
                "additionalgids" => user with { AdditionalGids = value.List(static v => v.Long()) },
                _ => user,
            };
        }
        return user;
    }

    private static CapabilitiesSpec ReadCapabilities(JsonFields json)
    {
        var caps = new CapabilitiesSpec();
        foreach (var (name, value) in json.Members())
        {
            caps = name switch
            {
                "bounding" => caps with { Bounding = value.Strings() },
                "effective" => caps with { Effective = value.Strings() },
                "inheritable" => caps with { Inheritable = value.Strings() },
                "permitted" => caps with { Permitted = value.Strings() },
                "ambient" => caps with { Ambient = value.Strings() },
                _ => caps,
            };
        }
        return caps;
    }

    private static RlimitSpec ReadRlimit(JsonFields json)
    {
        var rlimit = new RlimitSpec();
        foreach (var (name, value) in json.Members())
        {
            rlimit = name switch
            {
                "type" => rlimit with { Type = value.RequiredString() },
                "hard" => rlimit with { Hard = value.ULong() },
                "soft" => rlimit with { Soft = value.ULong() },
                _ => rlimit,
            };
        }
        return rlimit;
    }

    private static RootSpec ReadRoot(JsonFields json)
    {
        var root = new RootSpec();
        foreach (var (name, value) in json.Members())
        {
            root = name switch
            {
                "path" => root with { Path = value.String() },
                "readonly" => root with { Readonly = value.Bool() },
                _ => root,
            };
        }
        return root;
    }

    private static MountSpec ReadMount(JsonFields json)
    {
        var mount = new MountSpec();
        foreach (var (name, value) in json.Members())
        {
            mount = name switch
            {
                "destination" => mount with { Destination = value.String() },
                "type" => mount with { Type = value.String() },
                "source" => mount with { Source = value.String() },
                "options" => mount with { Options = value.Strings() },
                _ => mount,
            };
        }
        return mount;
    }

    private static HooksSpec ReadHooks(JsonFields json)
    {
        var hooks = new HooksSpec();
        foreach (var (name, value) in json.Members())
        {
            var list = value.List(static v => v.Element.Clone());
            hooks = name switch
            {
                "prestart" => hooks with { Prestart = list },
                "createruntime" => hooks with { CreateRuntime = list },
                "createcontainer" => hooks with { CreateContainer = list },
                "startcontainer" => hooks with { StartContainer = list },
                "poststart" => hooks with { Poststart = list },
                "poststop" => hooks with { Poststop = list },
                _ => hooks,
            };
        }
        return hooks;
    }

    private static LinuxSpec ReadLinux(JsonFields json)
    {
        var linux = new LinuxSpec();
        foreach (var (name, value) in json.Members())
        {
            linux = name switch
            {
                "namespaces" => linux with { Namespaces = value.List(ReadNamespace) },
                "uidmappings" => linux with { UidMappings = value.List(ReadIdMapping) },
                "gidmappings" => linux with { GidMappings = value.List(ReadIdMapping) },
                "devices" => linux with { Devices = value.List(ReadDevice) },
                "cgroupspath" => linux with { CgroupsPath = value.String() },
                "resources" => linux with { Resources = value.IsNull ? null : ReadResources(value) },
                "rootfspropagation" => linux with { RootfsPropagation = value.String() },
                "seccomp" => linux with { Seccomp = value.IsNull ? null : ReadSeccomp(value) },
                "sysctl" => linux with { Sysctl = value.StringMap() },
                "maskedpaths" => linux with { MaskedPaths = value.Strings() },
                "readonlypaths" => linux with { ReadonlyPaths = value.Strings() },
                "mountlabel" => linux with { MountLabel = value.String() },
                _ => linux,
            };
        }
        return linux;
    }

    private static NamespaceSpec ReadNamespace(JsonFields json)
    {
        var ns = new NamespaceSpec();
        foreach (var (name, value) in json.Members())
        {
            ns = name switch
            {
                "type" => ns with { Type = value.RequiredString() },
                "path" => ns with { Path = value.String() },
                _ => ns,
            };
        }
        return ns;
    }

    private static IdMappingSpec ReadIdMapping(JsonFields json)
    {
        var map = new IdMappingSpec();
        foreach (var (name, value) in json.Members())
        {
            map = name switch
            {
                "containerid" => map with { ContainerId = value.Long() },
                "hostid" => map with { HostId = value.Long() },
                "size" => map with { Size = value.Long() },
                _ => map,
            };
        }
        return map;
    }

    private static DeviceSpec ReadDevice(JsonFields json)
    {
        var device = new DeviceSpec();
        foreach (var (name, value) in json.Members())
        {
            device = name switch
            {
                "path" => device with { Path = value.RequiredString() },
                "type" => device with { Type = value.RequiredString() },
                "major" => device with { Major = value.Long() },
                "minor" => device with { Minor = value.Long() },
                "filemode" => device with { FileMode = value.NullableInt() },
                "uid" => device with { Uid = value.NullableLong() },
                "gid" => device with { Gid = value.NullableLong() },
                _ => device,
            };
        }
        return device;
    }

    private static ResourcesSpec ReadResources(JsonFields json)
    {
        var resources = new ResourcesSpec();
        foreach (var (name, value) in json.Members())
        {
            resources = name switch
            {
                "memory" => resources with { Memory = value.IsNull ? null : ReadMemory(value) },
                "cpu" => resources with { Cpu = value.IsNull ? null : ReadCpu(value) },
                "pids" => resources with { Pids = value.IsNull ? null : ReadPids(value) },
                "devices" => resources with { Devices = value.List(ReadDeviceRule) },
                _ => resources,
            };
        }
        return resources;
    }

    private static MemorySpec ReadMemory(JsonFields json)
    {
        var memory = new MemorySpec();
        foreach (var (name, value) in json.Members())
        {
            memory = name switch
            {
                "limit" => memory with { Limit = value.NullableLong() },
                "reservation" => memory with { Reservation = value.NullableLong() },
                "swap" => memory with { Swap = value.NullableLong() },
                "swappiness" => memory with { Swappiness = value.NullableLong() },
                "disableoomkiller" => memory with { DisableOomKiller = value.NullableBool() },
                _ => memory,
            };
        }
        return memory;
    }

    private static CpuSpec ReadCpu(JsonFields json)
    {
        var cpu = new CpuSpec();
        foreach (var (name, value) in json.Members())
        {
            cpu = name switch
            {
                "shares" => cpu with { Shares = value.NullableULong() },
                "quota" => cpu with { Quota = value.NullableLong() },
                "period" => cpu with { Period = value.NullableULong() },
                "cpus" => cpu with { Cpus = value.String() },
                "mems" => cpu with { Mems = value.String() },
                _ => cpu,
            };
        }
        return cpu;
    }

    private static PidsSpec ReadPids(JsonFields json)
    {
        var pids = new PidsSpec();
        foreach (var (name, value) in json.Members())
        {
            pids = name == "limit" ? pids with { Limit = value.Long() } : pids;
        }
        return pids;
    }

    private static DeviceRuleSpec ReadDeviceRule(JsonFields json)
    {
        var rule = new DeviceRuleSpec();
        foreach (var (name, value) in json.Members())
        {
            rule = name switch
            {
                "allow" => rule with { Allow = value.Bool() },
                "type" => rule with { Type = value.String() },
                "major" => rule with { Major = value.NullableLong() },
                "minor" => rule with { Minor = value.NullableLong() },
                "access" => rule with { Access = value.String() },
                _ => rule,
            };
        }
        return rule;
    }

    private static SeccompSpec ReadSeccomp(JsonFields json)
    {
        var seccomp = new SeccompSpec();
        foreach (var (name, value) in json.Members())
        {
            seccomp = name switch
            {
                "defaultaction" => seccomp with { DefaultAction = value.RequiredString() },
                "defaulterrnoret" => seccomp with { DefaultErrnoRet = value.NullableInt() },
                "architectures" => seccomp with { Architectures = value.Strings() },
                "flags" => seccomp with { Flags = value.Strings() },
                "syscalls" => seccomp with { Syscalls = value.List(ReadSeccompRule) },
                _ => seccomp,
            };
        }
        return seccomp;
    }

    private static SeccompRuleSpec ReadSeccompRule(JsonFields json)
    {
        var rule = new SeccompRuleSpec();
        foreach (var (name, value) in json.Members())
        {
            rule = name switch
            {
                "names" => rule with { Names = value.Strings() },
                "action" => rule with { Action = value.RequiredString() },
                "errnoret" => rule with { ErrnoRet = value.NullableInt() },
                "args" => rule with { Args = value.List(ReadSeccompArg) },
                _ => rule,
            };
        }
        return rule;
    }

    private static SeccompArgSpec ReadSeccompArg(JsonFields json)
    {
        var arg = new SeccompArgSpec();
        foreach (var (name, value) in json.Members())
        {
            arg = name switch
            {
                "index" => arg with { Index = value.UInt() },
                "value" => arg with { Value = value.ULong() },
                "valuetwo" => arg with { ValueTwo = value.ULong() },
                "op" => arg with { Op = value.RequiredString() },
                _ => arg,
            };
        }
        return arg;
    }

    /// <summary>Parses a whole document; errors read "<paramref name="source"/> is not <paramref name="what"/>: why".</summary>
    public static T Parse<T>(ReadOnlyMemory<byte> json, string source, string what, Func<JsonFields, T> read)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            var root = new JsonFields(document.RootElement, "");
            return root.IsNull ? throw new RuntimeException($"{source}: the document is empty (null)") : read(root);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            throw new RuntimeException($"{source} is not {what}{where}: {e.Message.Split(" LineNumber:")[0]}");
        }
        catch (JsonFieldException e)
        {
            throw new RuntimeException($"{source} is not {what}: {e.Message}");
        }
    }
}

using static Flotilla.Runtime.Native.Sys;

namespace Flotilla.Runtime.Linux;

/// <summary>A spec mount's option list split into mount(2) flags, propagation and the data string.</summary>
internal sealed record MountOptions(ulong Flags, ulong ClearedFlags, IReadOnlyList<ulong> PropagationFlags, string? Data, bool Bind, bool Recursive)
{
    private static readonly Dictionary<string, (bool Clear, ulong Flag)> FlagTable = new(32)
    {
        ["ro"] = (false, MS_RDONLY), ["rw"] = (true, MS_RDONLY),
        ["nosuid"] = (false, MS_NOSUID), ["suid"] = (true, MS_NOSUID),
        ["nodev"] = (false, MS_NODEV), ["dev"] = (true, MS_NODEV),
        ["noexec"] = (false, MS_NOEXEC), ["exec"] = (true, MS_NOEXEC),
        ["sync"] = (false, MS_SYNCHRONOUS), ["async"] = (true, MS_SYNCHRONOUS),
        ["dirsync"] = (false, MS_DIRSYNC), ["remount"] = (false, MS_REMOUNT),
        ["mand"] = (false, MS_MANDLOCK), ["nomand"] = (true, MS_MANDLOCK),
        ["noatime"] = (false, MS_NOATIME), ["atime"] = (true, MS_NOATIME),
        ["nodiratime"] = (false, MS_NODIRATIME), ["diratime"] = (true, MS_NODIRATIME),
        ["relatime"] = (false, MS_RELATIME), ["norelatime"] = (true, MS_RELATIME),
        ["strictatime"] = (false, MS_STRICTATIME), ["nostrictatime"] = (true, MS_STRICTATIME),
        ["nosymfollow"] = (false, MS_NOSYMFOLLOW), ["symfollow"] = (true, MS_NOSYMFOLLOW),
        ["lazytime"] = (false, MS_LAZYTIME), ["nolazytime"] = (true, MS_LAZYTIME),
    };

    public static ulong? Propagation(string name) => name switch
    {
        "private" => MS_PRIVATE,
        "rprivate" => MS_PRIVATE | MS_REC,
        "shared" => MS_SHARED,
        "rshared" => MS_SHARED | MS_REC,
        "slave" => MS_SLAVE,
        "rslave" => MS_SLAVE | MS_REC,
        "unbindable" => MS_UNBINDABLE,
        "runbindable" => MS_UNBINDABLE | MS_REC,
        _ => null,
    };

    public static MountOptions Parse(IReadOnlyList<string>? options, string? type)
    {
        ulong flags = 0, cleared = 0;
        var propagation = new List<ulong>();
        var data = new List<string>();
        var bind = type == "bind";
        var recursive = false;
        foreach (var option in options ?? [])
        {
            if (option is "bind" or "rbind")
            {
                bind = true;
                recursive |= option == "rbind";
            }
            else if (FlagTable.TryGetValue(option, out var entry))
            {
                if (entry.Clear)
                {
                    flags &= ~entry.Flag;
                    cleared |= entry.Flag;
                }
                else
                {
                    flags |= entry.Flag;
                    cleared &= ~entry.Flag;
                }
            }
            else if (Propagation(option) is { } p)
            {
                propagation.Add(p);
            }
            else
            {
                data.Add(option);
            }
        }
        return new MountOptions(flags, cleared, propagation, data.Count == 0 ? null : string.Join(',', data), bind, recursive);
    }
}

namespace Flotilla.NodeAgent.Containers;

public enum MountKind
{
    Volume,
    Bind,
    Tmpfs,
}

/// <summary>
/// A mount into the container: a named volume (<see cref="Source"/> is its name, created on first use),
/// a host path (bind), or a tmpfs (<see cref="Source"/> unused).
/// </summary>
public sealed record MountSpec(MountKind Kind, string Source, string Target, bool ReadOnly = false, long TmpfsSizeBytes = 0)
{
    /// <summary>Parses the <c>-v</c> form: <c>name:/path[:ro]</c> or <c>/host/path:/path[:ro]</c>.</summary>
    public static MountSpec ParseBinding(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || !parts[1].StartsWith('/'))
        {
            throw new InvalidRunOptionsException($"invalid volume \"{text}\": use name:/container/path[:ro] or /host/path:/container/path[:ro]");
        }

        var readOnly = false;
        if (parts.Length == 3)
        {
            readOnly = parts[2] switch
            {
                "ro" => true,
                "rw" => false,
                _ => throw new InvalidRunOptionsException($"invalid volume \"{text}\": the mode must be ro or rw"),
            };
        }

        var kind = parts[0].StartsWith('/') ? MountKind.Bind : MountKind.Volume;
        return new MountSpec(kind, parts[0], parts[1], readOnly);
    }
}

using System.Globalization;

namespace Flotilla.NodeAgent.Containers;

public enum RestartPolicyKind
{
    No,
    Always,
    OnFailure,
    UnlessStopped,
}

/// <summary>A container's restart policy: <c>no | always | on-failure[:N] | unless-stopped</c>.</summary>
public sealed record RestartPolicy(RestartPolicyKind Kind, int MaximumRetryCount = 0)
{
    public static readonly RestartPolicy No = new(RestartPolicyKind.No);

    public string Name => Kind switch
    {
        RestartPolicyKind.Always => "always",
        RestartPolicyKind.OnFailure => "on-failure",
        RestartPolicyKind.UnlessStopped => "unless-stopped",
        _ => "no",
    };

    public override string ToString() => Kind == RestartPolicyKind.OnFailure && MaximumRetryCount > 0
        ? $"{Name}:{MaximumRetryCount.ToString(CultureInfo.InvariantCulture)}"
        : Name;

    /// <summary>Parses the CLI form (<c>on-failure:3</c>); throws <see cref="InvalidRunOptionsException"/> otherwise.</summary>
    public static RestartPolicy Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return No;
        }

        var parts = text.Split(':', 2);
        var retries = 0;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out retries) || parts[0] != "on-failure"))
        {
            throw new InvalidRunOptionsException($"invalid restart policy \"{text}\": only on-failure takes a maximum retry count (on-failure:N, N ≥ 0)");
        }

        return FromName(parts[0], retries);
    }

    /// <summary>The Docker API form: a name and a separate maximum retry count.</summary>
    public static RestartPolicy FromName(string? name, int maximumRetryCount)
    {
        if (maximumRetryCount < 0)
        {
            throw new InvalidRunOptionsException("invalid restart policy: the maximum retry count must not be negative");
        }

        return name switch
        {
            null or "" or "no" => No,
            "always" => new RestartPolicy(RestartPolicyKind.Always),
            "unless-stopped" => new RestartPolicy(RestartPolicyKind.UnlessStopped),
            "on-failure" => new RestartPolicy(RestartPolicyKind.OnFailure, maximumRetryCount),
            _ => throw new InvalidRunOptionsException($"invalid restart policy \"{name}\": use no, always, on-failure[:N] or unless-stopped"),
        };
    }
}

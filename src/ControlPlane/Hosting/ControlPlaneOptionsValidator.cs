using Microsoft.Extensions.Options;

namespace Flotilla.ControlPlane.Hosting;

/// <summary>Fails start-up with a message saying what to set.</summary>
public sealed class ControlPlaneOptionsValidator : IValidateOptions<ControlPlaneOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlPlaneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Mode == ControlPlaneMode.Cluster && string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add("ControlPlane:Redis is required in cluster mode (e.g. ControlPlane__Redis=10.0.0.5:6379)");
        }

        if (options.Mode == ControlPlaneMode.Cluster && (string.IsNullOrEmpty(options.ApiToken) || string.IsNullOrEmpty(options.JoinToken)))
        {
            failures.Add("ControlPlane:ApiToken and ControlPlane:JoinToken are required in cluster mode: every silo must accept the same tokens");
        }

        if (options.ApiToken is { Length: < 16 } || options.JoinToken is { Length: < 16 })
        {
            failures.Add("ControlPlane:ApiToken and ControlPlane:JoinToken must be at least 16 characters");
        }

        if (options.HostPortMin is < 1 or > 65535 || options.HostPortMax < options.HostPortMin || options.HostPortMax > 65535)
        {
            failures.Add("ControlPlane:HostPortMin..HostPortMax must be a range within 1..65535");
        }

        if (options.HeartbeatIntervalSeconds < 1 || options.NodeTimeoutSeconds <= options.HeartbeatIntervalSeconds)
        {
            failures.Add("ControlPlane:NodeTimeoutSeconds must be longer than HeartbeatIntervalSeconds (>= 1)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using Microsoft.Extensions.Options;

namespace Flotilla.Gateway.Hosting;

internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (options.ProxyPort is < 0 or > 65535)
        {
            failures.Add($"Gateway:ProxyPort must be a TCP port (0-65535); got {options.ProxyPort}.");
        }

        if (options.AdminPort is < 0 or > 65535)
        {
            failures.Add($"Gateway:AdminPort must be a TCP port (0-65535); got {options.AdminPort}.");
        }

        if (options.ProxyPort != 0 && options.ProxyPort == options.AdminPort)
        {
            failures.Add("Gateway:ProxyPort and Gateway:AdminPort must differ: the admin endpoints are not proxied.");
        }

        if (options.PassiveFailureThreshold < 1)
        {
            failures.Add("Gateway:PassiveFailureThreshold must be at least 1.");
        }

        if (options.PassiveReactivationPeriod <= TimeSpan.Zero)
        {
            failures.Add("Gateway:PassiveReactivationPeriod must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using Microsoft.Extensions.Options;

namespace Flotilla.Gateway.Routing;

internal sealed class ControlPlaneOptionsValidator : IValidateOptions<ControlPlaneOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlPlaneOptions options)
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(options.Address, UriKind.Absolute, out var address)
            || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"ControlPlane:Address must be an absolute http:// or https:// URL of the control plane's gRPC port (e.g. http://10.0.0.5:7071); got '{options.Address}'.");
        }

        if (string.IsNullOrWhiteSpace(options.Token))
        {
            failures.Add("ControlPlane:Token is empty: set it (or the ControlPlane__Token environment variable) to the control plane's gateway token.");
        }

        if (options.ReconnectMinDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            failures.Add("ControlPlane:ReconnectMinDelay must be positive and no larger than ControlPlane:ReconnectMaxDelay.");
        }

        if (options.KeepAlivePingDelay <= TimeSpan.Zero || options.KeepAlivePingTimeout <= TimeSpan.Zero)
        {
            failures.Add("ControlPlane:KeepAlivePingDelay and ControlPlane:KeepAlivePingTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

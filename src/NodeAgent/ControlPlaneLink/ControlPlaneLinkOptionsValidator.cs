using System.Net;
using System.Text.RegularExpressions;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>Refuses to start a linked agent whose settings cannot work, saying what to set.</summary>
public sealed partial class ControlPlaneLinkOptionsValidator(IOptions<AgentOptions> agent) : IValidateOptions<ControlPlaneLinkOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlPlaneLinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Address))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        if (!Uri.TryCreate(options.Address, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            errors.Add($"ControlPlane:Address \"{options.Address}\" must be an http:// or https:// URL such as http://10.0.0.5:7071");
        }

        var hasToken = !string.IsNullOrWhiteSpace(options.JoinToken);
        var hasFile = !string.IsNullOrWhiteSpace(options.JoinTokenFile);
        if (hasToken == hasFile)
        {
            errors.Add("set exactly one of ControlPlane:JoinToken and ControlPlane:JoinTokenFile (the control plane's join token)");
        }
        else if (hasFile && !File.Exists(options.JoinTokenFile))
        {
            errors.Add($"ControlPlane:JoinTokenFile {options.JoinTokenFile} does not exist");
        }

        if (options.AdvertisedAddress is { Length: > 0 } advertised && !IPAddress.TryParse(advertised, out _))
        {
            errors.Add($"ControlPlane:AdvertisedAddress \"{advertised}\" must be an IP address (the one host ports answer on)");
        }

        if (!NodeIdPattern().IsMatch(LinkIdentity.NodeIdOf(agent.Value)))
        {
            errors.Add($"Agent:NodeId \"{agent.Value.NodeId}\" must be 1-63 letters, digits, '-' or '.', starting and ending with a letter or digit");
        }

        if (options.MilliCpu < 0 || options.MemoryBytes < 0 || options.Pids < 0)
        {
            errors.Add("ControlPlane:MilliCpu, MemoryBytes and Pids must not be negative (0 offers the whole host)");
        }

        if ((options.HostPortMin != 0 || options.HostPortMax != 0) &&
            (options.HostPortMin is < 1 or > 65535 || options.HostPortMax < options.HostPortMin || options.HostPortMax > 65535))
        {
            errors.Add($"ControlPlane:HostPortMin..HostPortMax ({options.HostPortMin}..{options.HostPortMax}) must be a range within 1..65535, or both 0");
        }

        foreach (var (label, value) in options.Labels)
        {
            if (label.Length == 0 || label.Contains('=', StringComparison.Ordinal) || value.Contains('=', StringComparison.Ordinal))
            {
                errors.Add($"ControlPlane:Labels entry \"{label}={value}\" must have a non-empty key and no '=' in key or value");
            }
        }

        if (options.ReconcileInterval <= TimeSpan.Zero || options.ReportInterval <= TimeSpan.Zero || options.MaxReconnectDelay <= TimeSpan.Zero)
        {
            errors.Add("ControlPlane:ReconcileInterval, ReportInterval and MaxReconnectDelay must be positive durations");
        }

        if (options.StopTimeout < TimeSpan.Zero)
        {
            errors.Add("ControlPlane:StopTimeout must not be negative");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")]
    private static partial Regex NodeIdPattern();
}

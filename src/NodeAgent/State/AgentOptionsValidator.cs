using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.State;

internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();
        if (!Path.IsPathRooted(options.StateDirectory))
        {
            failures.Add($"Agent:StateDirectory must be an absolute path (got \"{options.StateDirectory}\")");
        }

        if (!Path.IsPathRooted(options.SocketPath))
        {
            failures.Add($"Agent:SocketPath must be an absolute path (got \"{options.SocketPath}\")");
        }

        if (options.HttpPort is < 0 or > 65535)
        {
            failures.Add($"Agent:HttpPort must be 0..65535 (got {options.HttpPort})");
        }

        if (string.IsNullOrWhiteSpace(options.NodeId) || options.NodeId.Contains('/', StringComparison.Ordinal))
        {
            failures.Add("Agent:NodeId must be a non-empty name without '/'");
        }

        if (options.LogMaxBytes < 4096 || options.LogMaxFiles < 1)
        {
            failures.Add("Agent:LogMaxBytes must be at least 4096 and Agent:LogMaxFiles at least 1");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

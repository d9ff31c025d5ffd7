namespace Flotilla.NodeAgent.Networking;

/// <summary>What a finished tool printed and returned.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Returns the output, or throws a <see cref="NetworkingException"/> quoting the command and its complaint.</summary>
    public string EnsureSuccess(string whatFailed)
    {
        if (!Succeeded)
        {
            var reason = string.IsNullOrWhiteSpace(Error) ? Output.Trim() : Error.Trim();
            throw new NetworkingException($"{whatFailed}: '{CommandLine}' exited with {ExitCode}: {reason}");
        }

        return Output;
    }
}

namespace Flotilla.TestSupport.Processes;

/// <summary>How a finished process ended and what it printed.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>True when the process exited with status 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Returns this result, or throws with the command, its status and its stderr when it failed.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            throw new ProcessFailedException(this);
        }

        return this;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"`{CommandLine}` exited with {ExitCode}\nstdout: {StandardOutput.TrimEnd()}\nstderr: {StandardError.TrimEnd()}";
}

namespace Flotilla.Cli;

/// <summary>Exit codes scripts can rely on; run and exec otherwise exit with the container's own code.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The agent or the control plane refused or failed the request, or could not be reached.</summary>
    public const int Error = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary><c>run</c>: the container could not be created or started (docker's 125).</summary>
    public const int RunFailed = 125;

    /// <summary><c>run</c>/<c>exec</c>: the command exists but cannot be invoked.</summary>
    public const int CannotInvoke = 126;

    /// <summary><c>run</c>/<c>exec</c>: the command was not found.</summary>
    public const int NotFound = 127;
}

using System.Diagnostics;
using System.Text;

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// Runs the kernel's own tools (<c>ip</c>, <c>nft</c>, <c>sysctl</c>, <c>ss</c>) in the host's network
/// namespace or in a container's, through <c>nsenter --net</c> so the agent's mount namespace is kept
/// (a network namespace bind-mounted by one call is visible to the next).
/// </summary>
internal sealed class NetworkCommands(string? hostNetworkNamespace)
{
    /// <summary>Runs in the namespace standing in for the host (the agent's own when none is configured).</summary>
    public Task<CommandResult> RunOnHostAsync(string file, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken) =>
        hostNetworkNamespace is null
            ? RunAsync(file, arguments, input, cancellationToken)
            : RunInNamespaceAsync(hostNetworkNamespace, file, arguments, input, cancellationToken);

    public Task<CommandResult> RunInNamespaceAsync(string namespacePath, string file, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken) =>
        RunAsync("nsenter", [$"--net={namespacePath}", "--", file, .. arguments], input, cancellationToken);

    public static async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NetworkingException($"cannot run '{file}': {e.Message}; the agent needs iproute2, nftables, procps and util-linux installed", e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
            process.StandardInput.Close();
        }

        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CommandResult(Describe(file, arguments), process.ExitCode, await stdout, await stderr);
    }

    private static string Describe(string file, IReadOnlyList<string> arguments)
    {
        var text = new StringBuilder(file);
        foreach (var argument in arguments)
        {
            text.Append(' ').Append(argument.Contains(' ', StringComparison.Ordinal) ? $"'{argument}'" : argument);
        }

        return text.ToString();
    }
}

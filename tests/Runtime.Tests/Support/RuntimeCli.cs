using System.Diagnostics;

namespace Flotilla.Runtime.Tests.Support;

/// <summary>Runs one runtime binary (ours or runc) with its own state root.</summary>
public sealed class RuntimeCli(RuntimeKind kind, string stateRoot)
{
    public RuntimeKind Kind { get; } = kind;
    public string StateRoot { get; } = stateRoot;

    public Task<ProcessResult> RunAsync(params string[] args) => RunAsync(args, TimeSpan.FromSeconds(60));

    /// <summary>
    /// Runs to completion with stdout and stderr in files, not pipes: a created container inherits the
    /// caller's stdio (as with runc), so a pipe would stay open after the runtime itself exits.
    /// </summary>
    public async Task<ProcessResult> RunAsync(IReadOnlyList<string> args, TimeSpan timeout)
    {
        var outFile = Path.GetTempFileName();
        var errFile = Path.GetTempFileName();
        try
        {
            var info = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("exec \"$@\" >\"$OUT\" 2>\"$ERR\" </dev/null");
            info.ArgumentList.Add("sh");
            info.ArgumentList.Add(RuntimeBinaries.For(Kind));
            info.ArgumentList.Add("--root");
            info.ArgumentList.Add(StateRoot);
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }
            info.Environment["OUT"] = outFile;
            info.Environment["ERR"] = errFile;
            using var process = Process.Start(info)!;
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Kind} {string.Join(' ', args)} did not finish in {timeout}");
            }
            return new ProcessResult(process.ExitCode, await File.ReadAllTextAsync(outFile), await File.ReadAllTextAsync(errFile));
        }
        finally
        {
            File.Delete(outFile);
            File.Delete(errFile);
        }
    }

    public Process Start(IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(RuntimeBinaries.For(Kind))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add("--root");
        info.ArgumentList.Add(StateRoot);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        process.StandardInput.Close();
        return process;
    }
}

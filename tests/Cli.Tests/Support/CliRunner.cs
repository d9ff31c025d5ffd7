using System.Diagnostics;
using System.Text;
using Flotilla.TestSupport.Processes;

namespace Flotilla.Cli.Tests.Support;

/// <summary>
/// Runs the real <c>flotilla</c> binary as a user would: <c>$FLOTILLA_CLI</c> when set (CI points it at the
/// NativeAOT build), else the build next to these tests. HOME points at an empty directory so no
/// settings of the machine leak in; each run gets exactly the environment the test gives it.
/// </summary>
public sealed class CliRunner
{
    private readonly Dictionary<string, string> _environment;

    public CliRunner(IDictionary<string, string>? environment = null)
        : this(new Dictionary<string, string>(environment ?? new Dictionary<string, string>(), StringComparer.Ordinal), Directory.CreateTempSubdirectory("flotilla-cli-home-").FullName)
    {
    }

    private CliRunner(Dictionary<string, string> environment, string home)
    {
        _environment = environment;
        Home = home;
    }

    /// <summary>An empty home directory for this runner (removed by <see cref="Cleanup"/>).</summary>
    public string Home { get; }

    public static string BinaryPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable("FLOTILLA_CLI") is { Length: > 0 } given)
            {
                return File.Exists(given) ? given : throw new InvalidOperationException($"FLOTILLA_CLI={given} does not exist: publish the CLI first (scripts/test.sh does)");
            }

            var local = Path.Combine(AppContext.BaseDirectory, "flotilla");
            return File.Exists(local) ? local : throw new InvalidOperationException($"{local} is missing: build tests/Cli.Tests, or set FLOTILLA_CLI");
        }
    }

    /// <summary>The same runner (same home) with one more environment variable.</summary>
    public CliRunner With(string name, string value) => new(new Dictionary<string, string>(_environment, StringComparer.Ordinal) { [name] = value }, Home);

    public Task<ProcessResult> RunAsync(params string[] args) => RunAsync(args, standardInput: null);

    public async Task<ProcessResult> RunAsync(IReadOnlyList<string> args, string? standardInput, TimeSpan? timeout = null)
    {
        using var process = Start(args, standardInput is not null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"flotilla {string.Join(' ', args)} did not finish: {await stderr}");
        }

        return new ProcessResult($"flotilla {string.Join(' ', args)}", process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts flotilla without waiting (for streaming verbs); the caller kills and disposes it.</summary>
    public Process Start(IReadOnlyList<string> args, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        start.Environment["HOME"] = Home;
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } dotnetRoot)
        {
            start.Environment["DOTNET_ROOT"] = dotnetRoot;
        }

        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"cannot start {BinaryPath}");
    }

    public void Cleanup()
    {
        if (Directory.Exists(Home))
        {
            Directory.Delete(Home, recursive: true);
        }
    }
}

using System.Text.RegularExpressions;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.QuickStart;

/// <summary>
/// The README's first command, run exactly as the README writes it: Flotilla comes up on this machine
/// with the demo answering through the gateway, a second run changes nothing, and the README's stop
/// command leaves nothing behind. It uses the machine's well-known ports and directories, so it runs
/// alone (<c>Isolation=Machine</c>: scripts/test.sh runs those after every other test).
/// </summary>
[Trait(TestCategories.Name, TestCategories.EndToEnd)]
[Trait("Isolation", "Machine")]
public sealed partial class QuickStartTests
{
    private const string StopCommand = "scripts/down.sh";
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(30);
    private static readonly string Node = Environment.MachineName;

    [Fact]
    public async Task ReadmeRunCommand_ServesTheDemo_IsSafeTwice_AndStopLeavesNothing()
    {
        var repository = RepositoryRoot();
        var readme = await File.ReadAllTextAsync(Path.Combine(repository, "README.md"));
        var run = QuickStartCommands(readme)[0];
        Assert.Contains(StopCommand, readme, StringComparison.Ordinal);
        AssertNotAlreadyRunning();

        ProcessResult down;
        try
        {
            var first = await ShellAsync(repository, run, UpTimeout);
            Assert.True(first.ExitCode == 0, $"'{run}' failed:\n{first.StandardOutput}\n{first.StandardError}");

            // Replicas join the gateway's rotation as their health checks pass: give them a minute.
            var answers = new List<string>();
            for (var deadline = DateTime.UtcNow.AddMinutes(1); answers.Distinct().Count() < 3 && DateTime.UtcNow < deadline;)
            {
                answers.AddRange(await HelloAsync(3));
                await Task.Delay(500);
            }

            Assert.All(answers, a => Assert.StartsWith("hello from ", a, StringComparison.Ordinal));
            Assert.True(answers.Distinct().Count() >= 2, $"every answer came from one replica: {string.Join(", ", answers.Distinct())}");
            var containers = await ContainerIdsAsync(repository);
            Assert.Equal(3, containers.Count);

            var second = await ShellAsync(repository, run, UpTimeout);
            Assert.True(second.ExitCode == 0, $"'{run}' failed the second time:\n{second.StandardOutput}\n{second.StandardError}");
            Assert.Equal(containers, await ContainerIdsAsync(repository));
            Assert.StartsWith("hello from ", (await HelloAsync(1))[0], StringComparison.Ordinal);
        }
        finally
        {
            down = await ShellAsync(repository, StopCommand, TimeSpan.FromMinutes(3));
        }

        Assert.True(down.ExitCode == 0, $"'{StopCommand}' failed:\n{down.StandardOutput}\n{down.StandardError}");
        Assert.Empty(await LeftoversAsync());
    }

    /// <summary>The shell commands of the README's Quick start section, in order.</summary>
    private static List<string> QuickStartCommands(string readme)
    {
        var start = readme.IndexOf("## Quick start", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Quick start' section");
        var commands = ShellBlock().Matches(readme[start..]).Select(m => m.Groups["body"].Value.Trim()).ToList();
        Assert.NotEmpty(commands);
        return commands;
    }

    private static void AssertNotAlreadyRunning()
    {
        foreach (var pidFile in Directory.Exists("/run/flotilla/up") ? Directory.GetFiles("/run/flotilla/up", "*.pid") : [])
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && ProcessState.IsRunning(pid))
            {
                Assert.Fail($"scripts/up.sh is already running on this machine ({pidFile}): stop it with {StopCommand} before this test");
            }
        }
    }

    private static async Task<List<string>> HelloAsync(int count)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var answers = new List<string>();
        for (var i = 0; i < count; i++)
        {
            answers.Add((await http.GetStringAsync(new Uri("http://127.0.0.1:8080/hello"))).Trim());
        }

        return answers;
    }

    private static async Task<List<string>> ContainerIdsAsync(string repository)
    {
        var ps = await ProcessRunner.RunCheckedAsync(Path.Combine(repository, "artifacts/bin/Cli/flotilla"), ["ps", "-q", "--no-trunc"]);
        return [.. ps.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)];
    }

    private static Task<ProcessResult> ShellAsync(string repository, string command, TimeSpan timeout) =>
        ProcessRunner.RunAsync("bash", ["-c", $"cd '{repository}' && {command}"], timeout: timeout);

    /// <summary>What the stop command must have removed: processes, mounts, cgroups, the bridge and its rules, listeners.</summary>
    private static async Task<List<string>> LeftoversAsync()
    {
        var left = new List<string>();
        foreach (var dir in Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)))
        {
            try
            {
                var commandLine = File.ReadAllText($"/proc/{dir}/cmdline").Replace('\0', ' ');
                if ((commandLine.Contains("artifacts/bin/", StringComparison.Ordinal) && !commandLine.Contains("dotnet", StringComparison.Ordinal))
                    || commandLine.Contains("/run/flotilla/up/registry.yml", StringComparison.Ordinal))
                {
                    left.Add($"process {dir}: {commandLine.Trim()}");
                }
            }
            catch (IOException)
            {
                // the process exited while we looked
            }
        }

        left.AddRange(File.ReadLines("/proc/self/mounts")
            .Select(line => line.Split(' ')[1])
            .Where(target => target.StartsWith("/var/lib/flotilla/", StringComparison.Ordinal) || target.StartsWith($"/run/flotilla/netns/{Node}/", StringComparison.Ordinal))
            .Select(target => $"mount {target}"));
        left.AddRange(Directory.GetDirectories("/sys/fs/cgroup")
            .Select(hierarchy => Path.Combine(hierarchy, "flotilla", Node))
            .Where(Directory.Exists)
            .SelectMany(dir => Directory.GetDirectories(dir))
            .Select(dir => $"cgroup {dir}"));
        if (Directory.Exists("/sys/class/net/flotilla0"))
        {
            left.Add("bridge flotilla0");
        }

        var tables = await ProcessRunner.RunAsync("nft", ["list", "tables"]);
        if (tables.StandardOutput.Contains("flotilla_flotilla0", StringComparison.Ordinal))
        {
            left.Add("nftables table flotilla_flotilla0");
        }

        var listening = await ProcessRunner.RunAsync("ss", ["-Hltn"]);
        left.AddRange(listening.StandardOutput.Split('\n')
            .Where(line => Regex.IsMatch(line, @":(8080|8081|7070|7071|7080|5000)\s"))
            .Select(line => $"listener {line.Trim()}"));
        return left;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"cannot find Cluster.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("```sh\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}

using Flotilla.TestSupport.Processes;

namespace Flotilla.Cli.Tests.Local;

/// <summary>Assertions on what a user of the CLI sees.</summary>
internal static class CliAssert
{
    public static ProcessResult Exits(this ProcessResult result, int code)
    {
        Assert.True(result.ExitCode == code, $"`{result.CommandLine}` exited {result.ExitCode}, expected {code}.\nstdout: {result.StandardOutput}\nstderr: {result.StandardError}");
        return result;
    }

    public static ProcessResult Succeeds(this ProcessResult result) => result.Exits(0);

    /// <summary>A failure reads as one message: no .NET stack trace, no exception type names.</summary>
    public static ProcessResult FailsCleanly(this ProcessResult result, int code, string messagePart)
    {
        result.Exits(code);
        Assert.Contains(messagePart, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StandardError, StringComparison.Ordinal);
        return result;
    }

    public static string[] Lines(this string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The table's header cells, split on runs of two or more spaces.</summary>
    public static string[] Header(this ProcessResult result) => Cells(result.StandardOutput.Lines()[0]);

    public static string[] Cells(string line) =>
        System.Text.RegularExpressions.Regex.Split(line.Trim(), "  +");
}

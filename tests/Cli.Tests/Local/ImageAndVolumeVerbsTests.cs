using System.Security.Cryptography;
using System.Text.Json;
using Flotilla.Cli.Tests.Support;

namespace Flotilla.Cli.Tests.Local;

[Trait("Category", "Integration")]
[Collection(LocalAgentCollection.Name)]
public sealed class ImageAndVolumeVerbsTests(LocalAgentFixture fixture)
{
    private readonly CliRunner _cli = fixture.Cli;

    private static string Unique(string prefix) => $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    [Fact]
    public async Task Pull_WithoutATerminal_PrintsALineForEachLayerStatus()
    {
        var image = fixture.Registry.Reference("busybox", "layered");
        var result = (await _cli.RunAsync("pull", image)).Succeeds();

        var lines = result.StandardOutput.Lines();
        Assert.Contains(lines, l => l.StartsWith("layered: Pulling from", StringComparison.Ordinal) || l.Contains("Pulling from", StringComparison.Ordinal));
        var layerLines = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^[0-9a-f]{12}: ")).ToList();
        var layers = layerLines.Select(l => l[..12]).Distinct().ToList();
        Assert.Equal(3, layers.Count);
        foreach (var layer in layers)
        {
            // Each layer ends complete (or was there already); a status is printed once, not once per chunk.
            var statuses = layerLines.Where(l => l.StartsWith(layer, StringComparison.Ordinal)).Select(l => l[14..].Split(' ')[0]).ToList();
            Assert.True(statuses.Last() is "Pull" or "Already", $"layer {layer} ended with: {string.Join(" | ", statuses)}");
            Assert.Equal(statuses.Count, statuses.Distinct().Count());
        }

        Assert.Contains(lines, l => l.StartsWith("Digest: ", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', result.StandardOutput);
    }

    [Fact]
    public async Task Pull_AMissingImage_FailsWithTheRegistrysAnswer()
    {
        var result = await _cli.RunAsync("pull", fixture.UnpulledImage("never-pushed"));

        result.FailsCleanly(1, "pulling");
        Assert.Contains("never-pushed", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Images_ListsEachTagAsATableAndAsJson()
    {
        var table = (await _cli.RunAsync("images")).Succeeds();
        Assert.Equal(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], table.Header());
        var row = CliAssert.Cells(table.StandardOutput.Lines().Single(l => l.StartsWith($"{fixture.Registry.Address}/busybox ", StringComparison.Ordinal) && CliAssert.Cells(l)[1] == "1.0"));
        Assert.Matches("^[0-9a-f]{12}$", row[2]);
        Assert.Matches(@"^[0-9.]+(B|kB|MB)$", row[4]);

        using var json = JsonDocument.Parse((await _cli.RunAsync("images", "-o", "json")).Succeeds().StandardOutput);
        var image = json.RootElement.EnumerateArray().Single(i => i.GetProperty("RepoTags").EnumerateArray().Any(t => t.GetString() == fixture.Image));
        Assert.StartsWith($"sha256:{row[2]}", image.GetProperty("Id").GetString(), StringComparison.Ordinal);
        Assert.Contains(row[2], (await _cli.RunAsync("images", "-q")).Succeeds().StandardOutput.Lines());
    }

    [Fact]
    public async Task Rmi_UntagsAndReportsMissingImages()
    {
        var image = fixture.UnpulledImage("pull");
        (await _cli.RunAsync("pull", "-q", image)).Succeeds();

        var removed = (await _cli.RunAsync("rmi", image)).Succeeds();
        Assert.Contains($"Untagged: {image}", removed.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(image, (await _cli.RunAsync("images")).Succeeds().StandardOutput.Replace(fixture.Image, "", StringComparison.Ordinal), StringComparison.Ordinal);
        (await _cli.RunAsync("rmi", image)).FailsCleanly(1, "no such image");
    }

    [Fact]
    public async Task Inspect_AnImage_PrintsItsConfig()
    {
        using var json = JsonDocument.Parse((await _cli.RunAsync("inspect", fixture.Image)).Succeeds().StandardOutput);

        var image = json.RootElement.EnumerateArray().Single();
        Assert.Equal(["sh"], image.GetProperty("Config").GetProperty("Cmd").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task Volumes_CreateListUseInspectRemove()
    {
        var volume = Unique("vol");
        Assert.Equal($"{volume}\n", (await _cli.RunAsync("volume", "create", "-l", "purpose=test", volume)).Succeeds().StandardOutput);

        var list = (await _cli.RunAsync("volume", "ls")).Succeeds();
        Assert.Equal(["DRIVER", "VOLUME NAME"], list.Header());
        Assert.Contains(list.StandardOutput.Lines(), l => CliAssert.Cells(l) is ["local", var n] && n == volume);

        (await _cli.RunAsync("run", "--rm", "-v", $"{volume}:/data", fixture.Image, "sh", "-c", "echo kept > /data/file")).Succeeds();
        var read = (await _cli.RunAsync("run", "--rm", "-v", $"{volume}:/data:ro", fixture.Image, "cat", "/data/file")).Succeeds();
        Assert.Equal("kept\n", read.StandardOutput);

        using (var json = JsonDocument.Parse((await _cli.RunAsync("volume", "inspect", volume)).Succeeds().StandardOutput))
        {
            var details = json.RootElement.EnumerateArray().Single();
            Assert.Equal(volume, details.GetProperty("Name").GetString());
            Assert.Equal("test", details.GetProperty("Labels").GetProperty("purpose").GetString());
        }

        Assert.Equal($"{volume}\n", (await _cli.RunAsync("volume", "rm", volume)).Succeeds().StandardOutput);
        Assert.DoesNotContain(volume, (await _cli.RunAsync("volume", "ls", "-q")).Succeeds().StandardOutput, StringComparison.Ordinal);
        (await _cli.RunAsync("volume", "rm", volume)).FailsCleanly(1, volume);
        (await _cli.RunAsync("run", "--rm", "-v", "relative:path", fixture.Image, "true")).FailsCleanly(2, "invalid volume");
    }

    [Fact]
    public async Task Version_ShowsTheClientAndTheAgent()
    {
        var result = (await _cli.RunAsync("version")).Succeeds();

        Assert.StartsWith("Client: flotilla ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Server: Flotilla ", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentThatIsNotThere_IsNamedInTheError()
    {
        var result = await _cli.RunAsync("-H", "unix:///tmp/no-such-flotilla-agent.sock", "ps");

        result.FailsCleanly(1, "cannot connect to the flotilla agent at unix:///tmp/no-such-flotilla-agent.sock");
    }

    [Fact]
    public async Task EveryVerb_HasHelp()
    {
        var overview = (await _cli.RunAsync("--help")).Succeeds().StandardOutput;
        var verbs = overview.Lines().Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.TrimStart().StartsWith('-') && !l.TrimStart().StartsWith('{'))
            .Select(l => CliAssert.Cells(l)[0]).ToList();
        Assert.Contains("run", verbs);
        Assert.Contains("volume create", verbs);
        Assert.Contains("deploy", verbs);
        foreach (var verb in verbs)
        {
            var help = (await _cli.RunAsync([.. verb.Split(' '), "--help"], standardInput: null)).Succeeds();
            Assert.StartsWith($"Usage: flotilla {verb}", help.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("-h, --help", help.StandardOutput, StringComparison.Ordinal);
        }
    }
}

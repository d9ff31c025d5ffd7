using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using Flotilla.Cli.Tests.Support;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;

namespace Flotilla.Cli.Tests.Local;

/// <summary><c>flotilla load</c> and <c>flotilla save</c> against the shared test agent; each test loads images of its own names.</summary>
[Trait("Category", "Integration")]
[Collection(LocalAgentCollection.Name)]
public sealed class ImageArchiveVerbsTests(LocalAgentFixture fixture) : IDisposable
{
    private readonly CliRunner _cli = fixture.Cli;
    private readonly string _work = Directory.CreateTempSubdirectory("flotilla-cli-archives-").FullName;
    private readonly string _suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Load_Save_Rmi_LoadAgain_RunsTheImage()
    {
        var name = $"flotilla-test/cli-layered-{_suffix}:1";
        var archive = Path.Combine(_work, "layered.tar");
        await TestImages.Layered.WriteDockerArchiveAsync(archive, name);
        try
        {
            Assert.Equal($"Loaded image: {name}\n", (await _cli.RunAsync("load", "-i", archive)).Succeeds().StandardOutput);

            var saved = Path.Combine(_work, "saved.tar");
            Assert.Equal("", (await _cli.RunAsync("save", "-o", saved, name)).Succeeds().StandardOutput);
            Assert.Contains("manifest.json", TarNames(saved));
            Assert.Contains("index.json", TarNames(saved));
            var piped = Path.Combine(_work, "piped.tar");
            await ProcessRunner.RunCheckedAsync("sh", ["-c", "FLOTILLA_HOST=\"$1\" \"$2\" save \"$3\" > \"$4\"", "sh", fixture.Agent.Host, CliRunner.BinaryPath, name, piped]);
            Assert.Equal(await File.ReadAllBytesAsync(saved), await File.ReadAllBytesAsync(piped));

            (await _cli.RunAsync("rmi", name)).Succeeds();
            Assert.Equal($"{name}\n", (await _cli.RunAsync("load", "-q", "-i", saved)).Succeeds().StandardOutput);

            var motd = (await _cli.RunAsync("run", "--rm", name, "cat", "/etc/motd")).Succeeds();
            Assert.Equal("layer 3\n", motd.StandardOutput);
        }
        finally
        {
            await _cli.RunAsync("rmi", "-f", name);
        }
    }

    [Fact]
    public async Task Load_AnOciLayoutDirectory_PrintsJson()
    {
        var name = $"flotilla-test/cli-oci-{_suffix}:1";
        var layout = Path.Combine(_work, "layout");
        await TestImages.BusyboxZstd.WriteOciLayoutAsync(layout, name);
        try
        {
            var result = (await _cli.RunAsync("load", "-i", layout, "-o", "json")).Succeeds();

            using var json = JsonDocument.Parse(result.StandardOutput);
            var image = Assert.Single(json.RootElement.EnumerateArray());
            Assert.Equal(name, image.GetProperty("Reference").GetString());
            Assert.Equal(TestImages.BusyboxZstd.Config.Digest, image.GetProperty("Id").GetString());
            using var list = JsonDocument.Parse((await _cli.RunAsync("images", "-o", "json")).Succeeds().StandardOutput);
            var listed = list.RootElement.EnumerateArray().Single(i => i.GetProperty("Id").GetString() == TestImages.BusyboxZstd.Config.Digest);
            Assert.Contains(name, listed.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        }
        finally
        {
            await _cli.RunAsync("rmi", "-f", name);
        }
    }

    [Fact]
    public async Task Load_WhatIsNotAnImage_FailsWithTheReason()
    {
        var garbage = Path.Combine(_work, "garbage.tar");
        await File.WriteAllBytesAsync(garbage, RandomNumberGenerator.GetBytes(10_000));
        var plainDirectory = Directory.CreateDirectory(Path.Combine(_work, "plain")).FullName;
        var images = (await _cli.RunAsync("images", "-q")).Succeeds().StandardOutput;

        (await _cli.RunAsync("load", "-i", garbage)).FailsCleanly(1, "not a valid tar archive");
        (await _cli.RunAsync("load", "-i", Path.Combine(_work, "missing.tar"))).FailsCleanly(1, "cannot read");
        (await _cli.RunAsync("load", "-i", plainDirectory)).FailsCleanly(1, "not an OCI image layout");
        (await _cli.RunAsync("load", "-i", garbage, "extra")).FailsCleanly(2, "flotilla load --help");

        Assert.Equal(images, (await _cli.RunAsync("images", "-q")).Succeeds().StandardOutput);
    }

    [Fact]
    public async Task Save_AnUnknownImage_FailsAndWritesNoFile()
    {
        var output = Path.Combine(_work, "never.tar");

        (await _cli.RunAsync("save", "-o", output, fixture.Image, "nothing:here")).FailsCleanly(1, "no such image: nothing:here");

        Assert.Empty(Directory.EnumerateFileSystemEntries(_work));
        (await _cli.RunAsync("save", "-o", output)).FailsCleanly(2, "flotilla save --help");
    }

    private static List<string> TarNames(string path)
    {
        using var reader = new TarReader(File.OpenRead(path));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }
}

using System.Formats.Tar;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Tests.Support;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;

namespace Flotilla.NodeAgent.Tests.DockerApi;

/// <summary>
/// <c>docker load</c> and <c>docker save</c> through the agent's socket, with the real docker CLI, and images crossing
/// between the agent and the real dockerd in both directions.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Integration)]
public sealed class ImageArchiveEndpointTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("flotilla-image-archives-").FullName;
    private readonly string _suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly List<string> _dockerdImages = [];
    private AgentFixture _agent = null!;

    public async Task InitializeAsync() => _agent = await AgentFixture.StartAsync(TestRuntimes.Runc);

    public async Task DisposeAsync()
    {
        try
        {
            await _agent.DisposeAsync();
        }
        finally
        {
            foreach (var image in _dockerdImages)
            {
                await ProcessRunner.RunAsync("docker", ["rmi", "-f", image]);
            }

            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public async Task AnImageBuiltAndSavedByDockerd_LoadsIntoTheAgent_AndRuns()
    {
        var name = DockerdImage("built");
        var context = Path.Combine(_work, "context");
        Directory.CreateDirectory(context);
        File.Copy("/bin/busybox", Path.Combine(context, "busybox"));
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), """
            FROM scratch
            COPY busybox /bin/busybox
            RUN ["/bin/busybox", "--install", "-s", "/bin"]
            ENV GREETING=from-dockerd
            CMD ["sh", "-c", "echo $GREETING"]
            """);
        await ProcessRunner.RunCheckedAsync("env", ["DOCKER_BUILDKIT=0", "docker", "build", "-q", "-t", name, context]);
        var archive = Path.Combine(_work, "built.tar");
        await ProcessRunner.RunCheckedAsync("docker", ["save", "-o", archive, name]);
        var dockerdId = await DockerdIdAsync(name);

        var load = (await _agent.DockerAsync("load", "-i", archive)).EnsureSuccess();

        Assert.Contains($"Loaded image: {name}", load.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(dockerdId, (await _agent.DockerAsync("image", "inspect", "--format", "{{.Id}}", name)).EnsureSuccess().StandardOutput.Trim());
        var run = (await _agent.DockerAsync("run", "--rm", name)).EnsureSuccess();
        Assert.Equal("from-dockerd", run.StandardOutput.Trim());
        var applets = (await _agent.DockerAsync("run", "--rm", name, "ls", "/bin")).EnsureSuccess();
        Assert.Contains("wget", applets.StandardOutput.Split('\n'));
    }

    [Fact]
    public async Task WhatTheAgentSaves_LoadsIntoDockerd_AndRuns_AndIsAnOciLayout()
    {
        // Layered: gzip and uncompressed layers, whiteouts; zstd: a compression dockerd 20.10 cannot read.
        var layered = DockerdImage("layered");
        var zstd = DockerdImage("zstd");
        await LoadIntoAgentAsync(TestImages.Layered, layered);
        await LoadIntoAgentAsync(TestImages.BusyboxZstd, zstd);
        var archive = Path.Combine(_work, "saved.tar");

        (await _agent.DockerAsync("save", "-o", archive, layered, zstd)).EnsureSuccess();

        var load = (await ProcessRunner.RunCheckedAsync("docker", ["load", "-i", archive])).StandardOutput;
        Assert.Contains($"Loaded image: {layered}", load, StringComparison.Ordinal);
        Assert.Contains($"Loaded image: {zstd}", load, StringComparison.Ordinal);
        Assert.Equal(TestImages.Layered.Config.Digest, await DockerdIdAsync(layered));
        Assert.Equal(TestImages.BusyboxZstd.Config.Digest, await DockerdIdAsync(zstd));
        var motd = await ProcessRunner.RunCheckedAsync("docker", ["run", "--rm", layered, "sh", "-c", "cat /etc/motd; ls /data"]);
        Assert.Equal("layer 3\ndir\nhard\nkeep.txt\nlink", motd.StandardOutput.Trim());
        var echo = await ProcessRunner.RunCheckedAsync("docker", ["run", "--rm", zstd, "echo", "saved by flotilla"]);
        Assert.Equal("saved by flotilla", echo.StandardOutput.Trim());

        var single = Path.Combine(_work, "single.tar");
        (await _agent.DockerAsync("save", "-o", single, layered)).EnsureSuccess();
        var manifest = JsonNode.Parse((await ProcessRunner.RunCheckedAsync("skopeo", ["inspect", "--raw", $"oci-archive:{single}"])).StandardOutput)!;
        Assert.Equal(TestImages.Layered.Config.Digest, (string?)manifest["config"]?["digest"]);
        Assert.Equal(3, manifest["layers"]!.AsArray().Count);
    }

    [Fact]
    public async Task SaveByPath_AndLoadOfThatArchive_GiveBackTheSameImage()
    {
        using var client = AgentHttp.CreateClient(_agent.SocketPath);
        using var saved = await client.GetAsync(new Uri($"/v1.41/images/{AgentFixture.Image}/get", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal("application/x-tar", saved.Content.Headers.ContentType?.MediaType);
        var archive = await saved.Content.ReadAsByteArrayAsync();
        var before = _agent.Images.Find(AgentFixture.Image)!;
        (await _agent.DockerAsync("rmi", AgentFixture.Image)).EnsureSuccess();

        using var content = new ByteArrayContent(archive);
        using var loaded = await client.PostAsync(new Uri("/v1.41/images/load?quiet=1", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
        var message = JsonNode.Parse(await loaded.Content.ReadAsStringAsync())!;
        Assert.Equal($"Loaded image: {AgentFixture.Image}\n", (string?)message["stream"]);
        var after = _agent.Images.Find(AgentFixture.Image)!;
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(before.DiffIds, after.DiffIds);
        Assert.Equal("ok", (await _agent.DockerAsync("run", "--rm", AgentFixture.Image, "echo", "ok")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task AnOciLayoutTar_LoadsThroughTheDockerCli()
    {
        var name = $"flotilla-test/oci-{_suffix}:1";
        var layout = Path.Combine(_work, "layout");
        await TestImages.BusyboxZstd.WriteOciLayoutAsync(layout, name);
        var archive = Path.Combine(_work, "layout.tar");
        await TarFile.CreateFromDirectoryAsync(layout, archive, includeBaseDirectory: false);

        var load = (await _agent.DockerAsync("load", "-i", archive)).EnsureSuccess();

        Assert.Contains($"Loaded image: {name}", load.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("oci", (await _agent.DockerAsync("run", "--rm", name, "echo", "oci")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task GarbageAndHostileArchives_AreClientErrors_AndStoreNothing()
    {
        var hostile = Path.Combine(_work, "hostile.tar");
        await new OciImageBuilder()
            .AddLayer(l => l.Symlink("etc", "/etc").RawEntry(TarEntryType.RegularFile, "etc/flotilla-pwned", "x"u8.ToArray()))
            .Build()
            .WriteDockerArchiveAsync(hostile, $"flotilla-test/hostile-{_suffix}:1");
        var cases = new (string What, byte[] Body, string Message)[]
        {
            ("random bytes", RandomNumberGenerator.GetBytes(4096), "not a valid tar archive"),
            ("an empty body", [], "the archive is empty"),
            ("a tar of something else", Tar(("readme.txt", "hello"u8.ToArray())), "neither a 'docker save' archive"),
            ("an entry outside the archive", Tar(("../../escape.json", "[]"u8.ToArray())), "contains '..'"),
            ("a manifest naming missing files", Tar(("manifest.json", """[{"Config":"c.json","RepoTags":["x:1"],"Layers":["l.tar"]}]"""u8.ToArray())), "does not contain"),
            ("a layer writing outside its root", await File.ReadAllBytesAsync(hostile), "refused"),
        };
        var blobs = Path.Combine(_agent.StateDirectory, "content", "blobs", "sha256");
        var blobsBefore = Directory.GetFiles(blobs).Order(StringComparer.Ordinal).ToList();
        var imagesBefore = _agent.Images.List().Select(i => i.Id).ToList();
        using var client = AgentHttp.CreateClient(_agent.SocketPath);

        foreach (var (what, body, expected) in cases)
        {
            using var content = new ByteArrayContent(body);
            using var response = await client.PostAsync(new Uri("/v1.41/images/load", UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode} {text}");
            Assert.Contains(expected, (string?)JsonNode.Parse(text)?["message"] ?? "", StringComparison.Ordinal);
        }

        var cli = await _agent.DockerAsync("load", "-i", hostile);
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Contains("refused", cli.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists("/etc/flotilla-pwned"));
        Assert.Equal(imagesBefore, _agent.Images.List().Select(i => i.Id));
        Assert.Equal(blobsBefore, Directory.GetFiles(blobs).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_agent.StateDirectory, "content", "ingest")));
    }

    [Fact]
    public async Task SavingAnUnknownImage_FailsBeforeWritingAnything()
    {
        var archive = Path.Combine(_work, "never.tar");

        var save = await _agent.DockerAsync("save", "-o", archive, AgentFixture.Image, "nothing:here");

        Assert.NotEqual(0, save.ExitCode);
        Assert.Contains("no such image: nothing:here", save.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(archive));
    }

    private string DockerdImage(string what)
    {
        var name = $"flotilla-test/{what}-{_suffix}:1";
        _dockerdImages.Add(name);
        return name;
    }

    private async Task LoadIntoAgentAsync(OciImage image, string name)
    {
        var archive = Path.Combine(_work, $"{Guid.NewGuid():N}.tar");
        await image.WriteDockerArchiveAsync(archive, name);
        Assert.Contains($"Loaded image: {name}", (await _agent.DockerAsync("load", "-i", archive)).EnsureSuccess().StandardOutput, StringComparison.Ordinal);
    }

    private static async Task<string> DockerdIdAsync(string name) =>
        (await ProcessRunner.RunCheckedAsync("docker", ["image", "inspect", "--format", "{{.Id}}", name])).StandardOutput.Trim();

    private static byte[] Tar(params (string Name, byte[] Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            }
        }

        return buffer.ToArray();
    }
}

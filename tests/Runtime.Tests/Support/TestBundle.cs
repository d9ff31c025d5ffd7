using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.TestSupport.Rootfs;

namespace Flotilla.Runtime.Tests.Support;

/// <summary>
/// One test's OCI bundle (busybox rootfs + config.json) with its own state roots, container ids and
/// cgroup path; disposing removes containers, cgroups and files even when the test failed.
/// </summary>
public sealed class TestBundle : IAsyncDisposable
{
    private readonly List<(RuntimeKind Kind, string Id)> _containers = [];

    private TestBundle(string dir, string suffix)
    {
        Dir = dir;
        Suffix = suffix;
        CgroupPath = $"/flotilla-test/rt-{suffix}";
        Spec = SpecBuilder.Default(CgroupPath, "/bin/true");
    }

    public string Dir { get; }
    public string Suffix { get; }
    public string Rootfs => Path.Combine(Dir, "rootfs");
    public string CgroupPath { get; }
    public JsonObject Spec { get; set; }

    public static async Task<TestBundle> CreateAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var dir = Path.Combine(Path.GetTempPath(), "flotilla-rt-" + suffix);
        Directory.CreateDirectory(dir);
        var bundle = new TestBundle(dir, suffix);
        await BusyboxRootfs.CreateAsync(bundle.Rootfs);
        return bundle;
    }

    public JsonObject Process => Spec.Process();

    public void SetArgs(params string[] args) => Process["args"] = SpecBuilder.Array(args);

    public void Shell(string script) => SetArgs("/bin/sh", "-c", script);

    public void Save() =>
        File.WriteAllText(Path.Combine(Dir, "config.json"), Spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public RuntimeCli Cli(RuntimeKind kind) => new(kind, Path.Combine(Dir, "state-" + kind.ToString().ToLowerInvariant()));

    /// <summary>A container id unique to this test, remembered for clean-up.</summary>
    public string NewId(RuntimeKind kind, string name = "c")
    {
        var id = $"{name}-{kind.ToString().ToLowerInvariant()}-{Suffix}";
        _containers.Add((kind, id));
        return id;
    }

    /// <summary><c>run</c> under one runtime with the saved config.</summary>
    public async Task<ProcessResult> RunAsync(RuntimeKind kind, TimeSpan? timeout = null)
    {
        Save();
        return await Cli(kind).RunAsync(["run", "--bundle", Dir, NewId(kind)], timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Directories this test's cgroup path has in every hierarchy (there should be none left).</summary>
    public IReadOnlyList<string> LeftoverCgroups() =>
        Directory.GetDirectories("/sys/fs/cgroup")
            .Select(h => h + CgroupPath)
            .Where(Directory.Exists)
            .ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var (kind, id) in _containers)
        {
            try
            {
                await Cli(kind).RunAsync(["delete", "--force", id], TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                // keep cleaning the rest
            }
        }
        foreach (var dir in LeftoverCgroups())
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                // a process is still inside; delete --force above should have killed it
            }
        }
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // busy files: leave the temp dir
        }
        catch (UnauthorizedAccessException)
        {
            // leave the temp dir
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Images;
using Flotilla.TestSupport.Processes;

namespace Flotilla.TestSupport.Redis;

/// <summary>
/// Builds (once, then reuses) a <c>FROM scratch</c> Redis image with the Docker engine: Debian's
/// <c>redis-server</c> and <c>redis-cli</c> plus every library <c>ldd</c> lists for them. The tag
/// is a hash of those files, so a Redis upgrade makes a new image and an unchanged one is reused
/// across test runs.
/// </summary>
public static partial class RedisImage
{
    /// <summary>The repository the image is tagged into.</summary>
    public const string Repository = "flotilla-test/redis";

    private static readonly string[] Binaries = ["/usr/bin/redis-server", "/usr/bin/redis-cli"];
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _built;

    /// <summary>The Dockerfile the image is built from; <c>rootfs/</c> holds the binaries and libraries.</summary>
    public const string Dockerfile = """
        FROM scratch
        COPY rootfs/ /
        WORKDIR /data
        EXPOSE 6379
        ENTRYPOINT ["/usr/bin/redis-server"]
        CMD ["--protected-mode", "no", "--save", "", "--appendonly", "no"]
        """;

    /// <summary>Builds the image unless the engine already has it; returns its name (<c>repository:tag</c>).</summary>
    public static async Task<string> EnsureBuiltAsync(CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            return _built ??= await BuildAsync(cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> BuildAsync(CancellationToken cancellationToken)
    {
        DockerEngine.Configure();
        var files = await CollectFilesAsync(cancellationToken);
        var context = Directory.CreateTempSubdirectory("flotilla-redis-image-").FullName;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(Encoding.UTF8.GetBytes(Dockerfile));
            foreach (var file in files)
            {
                var target = Path.Combine(context, "rootfs", file.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);  // follows symlinks: the image gets the real library
                hash.AppendData(Encoding.UTF8.GetBytes(file));
                hash.AppendData(await File.ReadAllBytesAsync(target, cancellationToken));
            }

            Directory.CreateDirectory(Path.Combine(context, "rootfs", "data"));
            Directory.CreateDirectory(Path.Combine(context, "rootfs", "tmp"));
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), Dockerfile, cancellationToken);

            var name = $"{Repository}:{Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
            var image = new ImageFromDockerfileBuilder()
                .WithDockerfileDirectory(context)
                .WithDockerfile("Dockerfile")
                .WithName(name)
                .WithCleanUp(false)
                .WithImageBuildPolicy(PullPolicy.Missing)
                .Build();
            await image.CreateAsync(cancellationToken);
            return name;
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    private static async Task<List<string>> CollectFilesAsync(CancellationToken cancellationToken)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var binary in Binaries)
        {
            if (!File.Exists(binary))
            {
                throw new InvalidOperationException($"{binary} is missing: install Debian's redis-server (scripts/install-deps.sh)");
            }

            files.Add(binary);
            var ldd = await ProcessRunner.RunCheckedAsync("ldd", [binary], cancellationToken);
            foreach (Match match in LibraryPath().Matches(ldd.StandardOutput))
            {
                files.Add(match.Groups["path"].Value);
            }
        }

        return [.. files];
    }

    // "libssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)".
    [GeneratedRegex(@"(?:=>\s+|^\s*)(?<path>/\S+)\s+\(0x", RegexOptions.Multiline)]
    private static partial Regex LibraryPath();
}

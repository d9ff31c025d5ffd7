using System.Diagnostics;

namespace Flotilla.TestSupport.Rootfs;

/// <summary>
/// A minimal root filesystem made from Debian's static busybox (package busybox-static): the binary at
/// /bin/busybox, a symlink per applet where busybox installs it (/bin/sh, /usr/bin/id, ...), the usual
/// top-level directories and an /etc/passwd and /etc/group with root and nobody.
/// </summary>
public static class BusyboxRootfs
{
    public const string HostBusybox = "/bin/busybox";

    private static readonly string[] Directories =
        ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root", "home", "var", "run", "mnt"];

    /// <summary>Builds the root filesystem in <paramref name="dir"/> (created if missing).</summary>
    public static async Task CreateAsync(string dir, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(HostBusybox))
        {
            throw new InvalidOperationException($"{HostBusybox} is missing: install Debian's busybox-static (apt-get install busybox-static)");
        }
        foreach (var sub in Directories)
        {
            Directory.CreateDirectory(Path.Combine(dir, sub));
        }
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("a busybox root filesystem is for Linux containers");
        }
        File.SetUnixFileMode(Path.Combine(dir, "tmp"), (UnixFileMode)0x3ff); // 1777
        var busybox = Path.Combine(dir, "bin", "busybox");
        File.Copy(HostBusybox, busybox, overwrite: true);
        File.SetUnixFileMode(busybox, (UnixFileMode)0x1ed);
        foreach (var applet in await ListAppletsAsync(cancellationToken))
        {
            var link = Path.Combine(dir, applet);
            if (applet == "bin/busybox" || File.Exists(link) || Directory.Exists(link))
            {
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, "/bin/busybox");
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "etc", "passwd"),
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "etc", "group"),
            "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n", cancellationToken);
    }

    /// <summary>Gives every file of the tree to <paramref name="uid"/>:<paramref name="gid"/> (for user-namespace containers).</summary>
    public static async Task ChownAsync(string dir, int uid, int gid, CancellationToken cancellationToken = default)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", "-h", $"{uid}:{gid}", dir]) { RedirectStandardError = true })!;
        var error = await chown.StandardError.ReadToEndAsync(cancellationToken);
        await chown.WaitForExitAsync(cancellationToken);
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown -R {uid}:{gid} {dir} failed: {error}");
        }
    }

    private static async Task<IReadOnlyList<string>> ListAppletsAsync(CancellationToken cancellationToken)
    {
        using var list = Process.Start(new ProcessStartInfo(HostBusybox, ["--list-full"]) { RedirectStandardOutput = true })!;
        var output = await list.StandardOutput.ReadToEndAsync(cancellationToken);
        await list.WaitForExitAsync(cancellationToken);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}

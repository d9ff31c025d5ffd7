using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// The container's root filesystem: an overlay of the image's layers (read-only) and the container's own
/// writable layer (<c>upper/</c>, <c>work/</c>). It stays mounted from create to remove, so files written
/// survive stop/start; remove deletes the writable layer. The layer of an auto-remove (<c>run --rm</c>)
/// container is mounted <c>volatile</c>: it is deleted at exit, so the overlay need not sync it to disk.
/// </summary>
public sealed class RootfsHook(IImageStore images) : ContainerHook
{
    public override Task CreateAsync(ContainerContext context, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(context.Paths.Upper);
        Directory.CreateDirectory(context.Paths.Work);
        Directory.CreateDirectory(context.Paths.Rootfs);
        Mount(context);
        return Task.CompletedTask;
    }

    public override Task BeforeStartAsync(ContainerContext context, OciBundleSpec bundle, CancellationToken cancellationToken)
    {
        if (!IsMounted(context.Paths.Rootfs))
        {
            Mount(context);
        }

        bundle.RootPath = context.Paths.Rootfs;
        bundle.ReadOnlyRoot = context.Record.Spec.ReadOnlyRootfs;
        return Task.CompletedTask;
    }

    public override Task RemoveAsync(ContainerContext context, CancellationToken cancellationToken)
    {
        if (Directory.Exists(context.Paths.Rootfs))
        {
            LinuxNative.Unmount(context.Paths.Rootfs);
        }

        return Task.CompletedTask;
    }

    public override Task RecoverAsync(ContainerContext context, CancellationToken cancellationToken)
    {
        // After a host reboot the mount is gone while the writable layer is still on disk.
        if (Directory.Exists(context.Paths.Rootfs) && !IsMounted(context.Paths.Rootfs) && context.Image is not null)
        {
            Mount(context);
        }

        return Task.CompletedTask;
    }

    private void Mount(ContainerContext context)
    {
        var image = context.Image ?? throw new InvalidOperationException($"the image of container {context.Record.Name} is gone");
        var layers = images.GetLayerDirectories(image);
        if (layers.Count == 0)
        {
            // overlayfs needs a lower directory even for an image without layers.
            var empty = Path.Combine(context.Paths.Directory, "empty");
            Directory.CreateDirectory(empty);
            layers = [empty];
        }

        var volatileUpper = context.Record.Spec.AutoRemove;
        if (volatileUpper)
        {
            // A volatile overlay leaves work/work/incompat/volatile behind, and the kernel refuses to mount
            // that work directory again (after a host reboot) until it is gone.
            var incompatible = Path.Combine(context.Paths.Work, "work", "incompat");
            if (Directory.Exists(incompatible))
            {
                Directory.Delete(incompatible, recursive: true);
            }
        }

        LinuxNative.MountOverlay(context.Paths.Rootfs, string.Join(':', layers.Reverse()), context.Paths.Upper, context.Paths.Work, volatileUpper);
    }

    private static bool IsMounted(string path)
    {
        var target = Path.GetFullPath(path);
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ', 6);
            if (fields.Length > 4 && fields[4] == target)
            {
                return true;
            }
        }

        return false;
    }
}

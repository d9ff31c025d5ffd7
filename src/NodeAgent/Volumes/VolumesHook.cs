using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Volumes;

/// <summary>Creates named volumes on first use and mounts volumes, host paths and tmpfs into the bundle.</summary>
public sealed class VolumesHook(VolumeStore volumes) : ContainerHook
{
    public override Task CreateAsync(ContainerContext context, CancellationToken cancellationToken)
    {
        foreach (var mount in context.Record.Spec.Mounts)
        {
            switch (mount.Kind)
            {
                case MountKind.Volume:
                    volumes.Create(mount.Source);
                    break;
                case MountKind.Bind when !Path.Exists(mount.Source):
                    throw new InvalidRunOptionsException($"bind mount source {mount.Source} does not exist on this host: create it first");
            }
        }

        return Task.CompletedTask;
    }

    public override Task BeforeStartAsync(ContainerContext context, OciBundleSpec bundle, CancellationToken cancellationToken)
    {
        foreach (var mount in context.Record.Spec.Mounts)
        {
            var access = mount.ReadOnly ? "ro" : "rw";
            bundle.Mounts.Add(mount.Kind switch
            {
                MountKind.Volume => new OciMount(mount.Target, "bind", (volumes.Find(mount.Source) ?? volumes.Create(mount.Source)).Mountpoint, ["rbind", access]),
                MountKind.Bind => new OciMount(mount.Target, "bind", mount.Source, ["rbind", access]),
                _ => new OciMount(mount.Target, "tmpfs", "tmpfs", mount.TmpfsSizeBytes > 0
                    ? ["nosuid", "nodev", access, $"size={mount.TmpfsSizeBytes}"]
                    : ["nosuid", "nodev", access]),
            });
        }

        return Task.CompletedTask;
    }
}

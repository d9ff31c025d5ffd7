using System.Text.RegularExpressions;

namespace Flotilla.NodeAgent.Containers;

/// <summary>Checks run options before anything is created; throws <see cref="InvalidRunOptionsException"/> naming the option.</summary>
public static partial class ContainerSpecValidator
{
    public const long MinimumMemory = 6 * 1024 * 1024;

    public static void Validate(ContainerSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Image))
        {
            throw new InvalidRunOptionsException("image: an image reference is required");
        }

        if (spec.Name is not null && !NamePattern().IsMatch(spec.Name))
        {
            throw new InvalidRunOptionsException($"invalid container name \"{spec.Name}\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }

        if (spec.Memory < 0)
        {
            throw new InvalidRunOptionsException($"invalid memory limit {spec.Memory}: it must not be negative");
        }

        if (spec.Memory is > 0 and < MinimumMemory)
        {
            throw new InvalidRunOptionsException("invalid memory limit: the minimum memory limit allowed is 6MB");
        }

        var maximumNanoCpus = Environment.ProcessorCount * 1_000_000_000L;
        if (spec.NanoCpus < 0 || spec.NanoCpus > maximumNanoCpus)
        {
            throw new InvalidRunOptionsException($"invalid cpus: the range of CPUs is from 0.01 to {Environment.ProcessorCount}.00, as there are only {Environment.ProcessorCount} CPUs available");
        }

        if (spec.NanoCpus is > 0 and < 10_000_000)
        {
            throw new InvalidRunOptionsException("invalid cpus: the minimum is 0.01");
        }

        if (spec.PidsLimit < -1)
        {
            throw new InvalidRunOptionsException($"invalid pids limit {spec.PidsLimit}: use a positive number, or 0 or -1 for no limit");
        }

        if (spec.StopTimeout is < -1)
        {
            throw new InvalidRunOptionsException("invalid stop timeout: it must not be negative");
        }

        foreach (var variable in spec.Env)
        {
            if (variable.Length == 0 || variable[0] == '=')
            {
                throw new InvalidRunOptionsException($"invalid environment variable \"{variable}\": use NAME=value");
            }
        }

        if (spec.WorkingDir is { Length: > 0 } workingDir && !workingDir.StartsWith('/'))
        {
            throw new InvalidRunOptionsException($"invalid working directory \"{workingDir}\": it must be an absolute path");
        }

        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mount in spec.Mounts)
        {
            if (!mount.Target.StartsWith('/') || mount.Target == "/")
            {
                throw new InvalidRunOptionsException($"invalid mount target \"{mount.Target}\": it must be an absolute path other than /");
            }

            if (!targets.Add(mount.Target.TrimEnd('/')))
            {
                throw new InvalidRunOptionsException($"duplicate mount point: {mount.Target}");
            }

            if (mount.Kind == MountKind.Bind && !Path.IsPathRooted(mount.Source))
            {
                throw new InvalidRunOptionsException($"invalid bind mount source \"{mount.Source}\": it must be an absolute host path");
            }

            if (mount.Kind == MountKind.Volume && !Volumes.VolumeStore.IsValidName(mount.Source))
            {
                throw new InvalidRunOptionsException($"invalid volume name \"{mount.Source}\"");
            }
        }

        if (spec.NetworkMode is not ("host" or "none" or "default" or "bridge" or ""))
        {
            throw new InvalidRunOptionsException($"network {spec.NetworkMode} not found: this agent offers bridge (the default), host and none");
        }
    }

    [GeneratedRegex("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
    private static partial Regex NamePattern();
}

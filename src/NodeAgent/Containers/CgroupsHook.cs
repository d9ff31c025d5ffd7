using Flotilla.NodeAgent.Runtime;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Containers;

/// <summary>Puts the container in <c>flotilla/&lt;node-id&gt;/&lt;id&gt;</c> with its memory, CPU and pids limits.</summary>
public sealed class CgroupsHook(IOptions<AgentOptions> options) : ContainerHook
{
    public override Task BeforeStartAsync(ContainerContext context, OciBundleSpec bundle, CancellationToken cancellationToken)
    {
        var spec = context.Record.Spec;
        bundle.CgroupsPath = CgroupPath(options.Value, context.Record.Id);
        bundle.MemoryLimit = spec.Memory;
        bundle.PidsLimit = spec.PidsLimit;
        if (spec.NanoCpus > 0)
        {
            bundle.CpuQuota = Math.Max(1000, spec.NanoCpus * bundle.CpuPeriod / 1_000_000_000);
        }

        return Task.CompletedTask;
    }

    /// <summary>The container's cgroup, relative to each hierarchy's root.</summary>
    public static string CgroupPath(AgentOptions options, string id) => $"/{options.CgroupParent}/{id}";
}

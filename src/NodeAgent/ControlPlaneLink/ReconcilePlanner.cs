using System.Globalization;
using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// The reconciler's decisions as a pure function: desired allocations and owned containers in, steps and
/// statuses out. Containers without the link's label never appear here, so they are never touched.
/// </summary>
public static class ReconcilePlanner
{
    public static ReconcilePlan Plan(ReconcileInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var removals = new List<ReconcileAction>();
        var steps = new List<ReconcileAction>();
        var statuses = new List<AllocationStatus>();
        var checks = new List<HealthCheckTarget>();
        var pulls = new HashSet<string>(StringComparer.Ordinal);
        var waiting = false;
        var desiredIds = input.Desired.Select(a => a.AllocationId).ToHashSet(StringComparer.Ordinal);

        foreach (var container in input.Containers.Where(c => !desiredIds.Contains(c.AllocationId)))
        {
            removals.Add(new RemoveContainer(container.Id, container.AllocationId, "no longer desired"));
        }

        foreach (var allocation in input.Desired)
        {
            var owned = input.Containers.Where(c => c.AllocationId == allocation.AllocationId).ToList();
            var current = owned.FirstOrDefault(c => c.Name == allocation.AllocationId && c.Revision == allocation.Revision);
            foreach (var stale in owned.Where(c => c != current))
            {
                removals.Add(new RemoveContainer(stale.Id, stale.AllocationId, stale.Name == allocation.AllocationId
                    ? $"revision {stale.Revision.ToString(CultureInfo.InvariantCulture)} replaced by {allocation.Revision.ToString(CultureInfo.InvariantCulture)}"
                    : $"a second container ({stale.Name}) for the allocation"));
            }

            var failure = input.Failures.GetValueOrDefault(allocation.AllocationId);
            var mayRetry = failure is null || failure.RetryAt <= input.Now;
            AllocationStatus status;
            if (current is not null)
            {
                status = Observe(allocation, current, input.Health);
                if (current.State == ContainerState.Running && allocation.Health is { } check)
                {
                    checks.Add(new HealthCheckTarget(allocation.AllocationId, current.Id, check));
                }

                if (NeedsStart(current))
                {
                    if (mayRetry)
                    {
                        steps.Add(new StartContainer(current.Id, allocation.AllocationId));
                    }
                    else
                    {
                        waiting = true;
                    }
                }
            }
            else if (owned.Any(c => c.Name == allocation.AllocationId))
            {
                // Its name is still held by the container being replaced: create once that is removed.
                status = new AllocationStatus { AllocationId = allocation.AllocationId, Phase = AllocationPhase.Starting, Message = "replacing the previous revision's container" };
                waiting = true;
            }
            else if (!mayRetry)
            {
                status = Failed(allocation, failure!);
                waiting = true;
            }
            else if (input.Pulling.Contains(allocation.Image))
            {
                status = new AllocationStatus { AllocationId = allocation.AllocationId, Phase = AllocationPhase.Pulling, Message = $"pulling {allocation.Image}" };
                waiting = true;
            }
            else if (!input.HasImage(allocation.Image))
            {
                if (pulls.Add(allocation.Image))
                {
                    steps.Insert(0, new PullImage(allocation.Image));
                }

                status = new AllocationStatus { AllocationId = allocation.AllocationId, Phase = AllocationPhase.Pulling, Message = $"pulling {allocation.Image}" };
            }
            else
            {
                steps.Add(new CreateContainer(allocation));
                status = new AllocationStatus { AllocationId = allocation.AllocationId, Phase = AllocationPhase.Starting, Message = "creating the container" };
            }

            if (failure is not null && status.Phase != AllocationPhase.Running && string.IsNullOrEmpty(status.Message))
            {
                status.Message = failure.Message;
            }

            statuses.Add(status);
        }

        return new ReconcilePlan([.. removals, .. steps], statuses, checks, removals.Count == 0 && steps.Count == 0 && !waiting);
    }

    /// <summary>
    /// A container the engine will not start by itself although its allocation should run: created but never
    /// started, or stopped (by a failed start or a stop through the API) under a policy that wants it running.
    /// </summary>
    private static bool NeedsStart(ObservedContainer container) => container.State switch
    {
        ContainerState.Created => true,
        ContainerState.Exited when container.StoppedByUser => container.RestartPolicy switch
        {
            RestartPolicyKind.Always or RestartPolicyKind.UnlessStopped => true,
            RestartPolicyKind.OnFailure => container.ExitCode != 0 || container.Error is not null,
            _ => false,
        },
        _ => false,
    };

    private static AllocationStatus Observe(Allocation allocation, ObservedContainer container, IReadOnlyDictionary<string, HealthState> health)
    {
        var status = new AllocationStatus { AllocationId = allocation.AllocationId };
        switch (container.State)
        {
            case ContainerState.Running:
                status.Phase = AllocationPhase.Running;
                foreach (var port in allocation.Ports)
                {
                    status.HostPorts[PortKey(port)] = port.HostPort;
                }

                status.Health = allocation.Health is null ? HealthState.Unknown : health.GetValueOrDefault(allocation.AllocationId, HealthState.Unknown);
                break;
            case ContainerState.Restarting:
                status.Phase = AllocationPhase.Starting;
                status.ExitCode = container.ExitCode;
                status.Message = $"restarting after exit code {container.ExitCode.ToString(CultureInfo.InvariantCulture)} (restart {container.RestartCount.ToString(CultureInfo.InvariantCulture)})";
                break;
            case ContainerState.Exited when container.Error is not null:
                status.Phase = AllocationPhase.Failed;
                status.ExitCode = container.ExitCode;
                status.Message = container.Error;
                break;
            case ContainerState.Exited:
                status.Phase = AllocationPhase.Exited;
                status.ExitCode = container.ExitCode;
                status.Message = $"exited with code {container.ExitCode.ToString(CultureInfo.InvariantCulture)}";
                break;
            default:
                status.Phase = AllocationPhase.Starting;
                status.Message = "starting the container";
                break;
        }

        return status;
    }

    private static AllocationStatus Failed(Allocation allocation, AllocationFailure failure) => new()
    {
        AllocationId = allocation.AllocationId,
        Phase = AllocationPhase.Failed,
        Message = failure.Message,
    };

    /// <summary>The key a host port is reported under: the port's name, or its container port when unnamed.</summary>
    public static string PortKey(PortBinding port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return port.Name.Length > 0 ? port.Name : port.ContainerPort.ToString(CultureInfo.InvariantCulture);
    }
}

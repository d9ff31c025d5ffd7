using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>The link's log messages. Tokens are never among the arguments.</summary>
internal static partial class LinkLog
{
    [LoggerMessage(1401, LogLevel.Information, "Registered with the control plane at {ControlPlane} as node {NodeId} (address {Address})")]
    public static partial void Registered(ILogger logger, string controlPlane, string nodeId, string address);

    [LoggerMessage(1402, LogLevel.Warning, "Lost the control plane at {ControlPlane}: {Reason}; retrying in {Delay} (containers keep running)")]
    public static partial void Disconnected(ILogger logger, string controlPlane, string reason, TimeSpan delay);

    [LoggerMessage(1403, LogLevel.Information, "Desired allocation set version {Version}: {Count} allocations")]
    public static partial void DesiredSet(ILogger logger, long version, int count);

    [LoggerMessage(1404, LogLevel.Information, "Pulling {Image} for allocations {Allocations}")]
    public static partial void Pulling(ILogger logger, string image, string allocations);

    [LoggerMessage(1405, LogLevel.Warning, "Pull of {Image} failed: {Error}")]
    public static partial void PullFailed(ILogger logger, string image, string error);

    [LoggerMessage(1406, LogLevel.Information, "Started allocation {AllocationId} of workload {Workload} (revision {Revision})")]
    public static partial void Started(ILogger logger, string allocationId, string workload, long revision);

    [LoggerMessage(1407, LogLevel.Warning, "Allocation {AllocationId} failed to {Step}: {Error}; retrying in {Delay}")]
    public static partial void StepFailed(ILogger logger, string allocationId, string step, string error, TimeSpan delay);

    [LoggerMessage(1408, LogLevel.Information, "Removed container {ContainerId} of allocation {AllocationId}: {Reason}")]
    public static partial void Removed(ILogger logger, string containerId, string allocationId, string reason);

    [LoggerMessage(1409, LogLevel.Warning, "Removing container {ContainerId} of allocation {AllocationId} failed: {Error}")]
    public static partial void RemoveFailed(ILogger logger, string containerId, string allocationId, string error);

    [LoggerMessage(1410, LogLevel.Information, "Allocation {AllocationId} is {State}")]
    public static partial void HealthChanged(ILogger logger, string allocationId, string state);

    [LoggerMessage(1411, LogLevel.Warning, "Reporting allocation statuses failed: {Reason}")]
    public static partial void ReportFailed(ILogger logger, string reason);

    [LoggerMessage(1412, LogLevel.Error, "A reconcile pass failed: {Error}")]
    public static partial void PassFailed(ILogger logger, string error);
}

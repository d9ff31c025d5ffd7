using Flotilla.Contracts.Agent;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>A running allocation's health check and the container it probes.</summary>
public sealed record HealthCheckTarget(string AllocationId, string ContainerId, HealthCheck Check);

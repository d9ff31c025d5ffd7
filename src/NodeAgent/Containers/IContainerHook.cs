using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// One lifecycle feature of a container (root filesystem, network, volumes, cgroups). The engine runs
/// the hooks in registration order on the way up and in reverse order on the way down.
/// </summary>
public interface IContainerHook
{
    /// <summary>Once, when the container is created: resources that live as long as the container.</summary>
    Task CreateAsync(ContainerContext context, CancellationToken cancellationToken);

    /// <summary>Before every runtime <c>create</c>: fill in the bundle's config.</summary>
    Task BeforeStartAsync(ContainerContext context, OciBundleSpec bundle, CancellationToken cancellationToken);

    /// <summary>After the container's process exited and the runtime forgot it.</summary>
    Task AfterExitAsync(ContainerContext context, CancellationToken cancellationToken);

    /// <summary>When the container is removed (or its creation failed half-way): release everything.</summary>
    Task RemoveAsync(ContainerContext context, CancellationToken cancellationToken);

    /// <summary>On agent start, for each container found in the state directory (running or not).</summary>
    Task RecoverAsync(ContainerContext context, CancellationToken cancellationToken);
}

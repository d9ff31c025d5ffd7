using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Containers;

/// <summary>A hook that does nothing by default, so each feature overrides only its own steps.</summary>
public abstract class ContainerHook : IContainerHook
{
    public virtual Task CreateAsync(ContainerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task BeforeStartAsync(ContainerContext context, OciBundleSpec bundle, CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task AfterExitAsync(ContainerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task RemoveAsync(ContainerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task RecoverAsync(ContainerContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}

namespace Flotilla.Runtime.State;

/// <summary>The runtime-spec lifecycle states.</summary>
internal enum ContainerStatus
{
    Creating,
    Created,
    Running,
    Stopped,
}

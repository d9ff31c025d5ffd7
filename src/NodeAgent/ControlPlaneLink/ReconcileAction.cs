namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>One step that moves the host towards the desired allocation set. The steps: <see cref="PullImage"/>, <see cref="CreateContainer"/>, <see cref="StartContainer"/>, <see cref="RemoveContainer"/>.</summary>
public abstract record ReconcileAction;

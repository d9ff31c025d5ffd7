namespace Flotilla.Cli.Commands;

/// <summary>Every verb, grouped as the overview help lists them.</summary>
internal static class CommandCatalog
{
    public static IReadOnlyList<(string Title, IReadOnlyList<Command> Commands)> Groups { get; } =
    [
        ("Containers on this host (the agent)", [
            ContainerRun.Command, ContainerList.Command, ContainerLogs.Command, ContainerExec.Command,
            ContainerLifecycle.Start, ContainerLifecycle.Stop, ContainerLifecycle.Restart, ContainerLifecycle.Kill, ContainerLifecycle.Remove,
            ContainerInspect.Command, ContainerStats.Command]),
        ("Images and volumes on this host", [
            ImagePull.Command, ImageList.Command, ImageRemove.Command, ImageLoad.Command, ImageSave.Command,
            VolumeCommands.Create, VolumeCommands.List, VolumeCommands.Remove, VolumeCommands.Inspect, SystemVersion.Command]),
        ("The cluster (the control plane)", [
            WorkloadDeploy.Command, WorkloadList.Command, WorkloadShow.Command, WorkloadScale.Command, WorkloadDelete.Command,
            NodeList.Command, NodeShow.Command, EventList.Command]),
    ];

    public static IReadOnlyList<Command> All { get; } = [.. Groups.SelectMany(g => g.Commands)];

    public static Command? Find(string name) => All.FirstOrDefault(c => c.Spec.Name == name);
}

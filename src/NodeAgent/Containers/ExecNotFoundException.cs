namespace Flotilla.NodeAgent.Containers;

public sealed class ExecNotFoundException(string id) : KeyNotFoundException($"no such exec instance: {id}");

namespace Flotilla.NodeAgent.Runtime;

/// <summary>The OCI runtime refused or failed a call; <see cref="Exception.Message"/> carries its own words.</summary>
public sealed class RuntimeException(string message) : Exception(message);

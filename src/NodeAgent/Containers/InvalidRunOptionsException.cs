namespace Flotilla.NodeAgent.Containers;

/// <summary>A run option that breaks a rule; the message names the option and the rule. Nothing was created.</summary>
public sealed class InvalidRunOptionsException(string message) : ArgumentException(message);

namespace Flotilla.NodeAgent.Images;

/// <summary>A user name and password for one registry. Printing it never shows the password.</summary>
internal sealed record RegistryCredentials(string Username, string Password)
{
    public override string ToString() => $"RegistryCredentials {{ Username = {Username}, Password = *** }}";
}

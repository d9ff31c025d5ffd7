using Flotilla.ControlPlane.Hosting;

var app = ControlPlaneHost.Build(args);
await app.RunAsync();

/// <summary>The entry point, visible to functional tests.</summary>
public partial class Program;

using Flotilla.NodeAgent;

var app = AgentApp.Build(args, _ => { });
await app.RunAsync();

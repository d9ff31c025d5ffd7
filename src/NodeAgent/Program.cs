using Flotilla.NodeAgent;
using Flotilla.NodeAgent.ControlPlaneLink;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.State;

var app = AgentApp.Build(args, builder =>
{
    builder.Services.AddImages(options =>
    {
        builder.Configuration.GetSection(ImageStoreOptions.SectionName).Bind(options);
        options.StateDirectory = builder.Configuration[$"{AgentOptions.SectionName}:{nameof(AgentOptions.StateDirectory)}"] ?? options.StateDirectory;
    });
    builder.Services.AddNetworkHook(builder.Configuration);
    builder.Services.AddControlPlaneLink(builder.Configuration);
});
await app.RunAsync();

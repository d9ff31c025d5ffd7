using Flotilla.Gateway.Hosting;

// Content root beside the binary, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddGateway();

var app = builder.Build();
app.MapGateway();
app.Run();

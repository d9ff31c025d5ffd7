using System.Text.RegularExpressions;

namespace Flotilla.NodeAgent.DockerApi;

public static partial class DockerApiExtensions
{
    /// <summary>
    /// Serves the Docker Engine API subset, unversioned and under <c>/v1.41</c>..<c>/v1.47</c>
    /// (any <c>/vX.Y</c> prefix is accepted, as dockerd does for versions it supports).
    /// </summary>
    public static WebApplication MapDockerApi(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value ?? "";
            var match = VersionPrefix().Match(path);
            if (match.Success)
            {
                context.Request.Path = path[match.Length..];
            }

            await DockerErrors.HandleAsync(context, () => next(context));
        });
        app.UseRouting();
        app.MapSystemEndpoints();
        app.MapContainerEndpoints();
        app.MapExecEndpoints();
        app.MapImageEndpoints();
        app.MapVolumeEndpoints();
        app.MapNetworkEndpoints();
        return app;
    }

    [GeneratedRegex(@"^/v[0-9]+\.[0-9]+(?=/)")]
    private static partial Regex VersionPrefix();
}

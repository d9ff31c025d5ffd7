using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.Runtime;
using Flotilla.NodeAgent.Volumes;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>Maps the engine's typed errors to Docker API status codes with Docker's <c>{"message": ...}</c> body.</summary>
internal static class DockerErrors
{
    public static int StatusOf(Exception error) => error switch
    {
        ContainerNotFoundException or ImageNotFoundException or ExecNotFoundException or VolumeNotFoundException or NetworkNotFoundException => StatusCodes.Status404NotFound,
        InvalidRunOptionsException or InvalidPortMappingException or InvalidImageContentException => StatusCodes.Status400BadRequest,
        PortInUseException => StatusCodes.Status409Conflict,
        NameConflictException or InvalidContainerStateException or ImageInUseException or VolumeInUseException => StatusCodes.Status409Conflict,
        KeyNotFoundException => StatusCodes.Status404NotFound,
        ArgumentException or FormatException or System.Text.Json.JsonException => StatusCodes.Status400BadRequest,
        RuntimeException => StatusCodes.Status500InternalServerError,
        InvalidOperationException => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static string Body(string message) => new JsonObject { ["message"] = message }.ToJsonString();

    /// <summary>Turns engine errors thrown by endpoints into Docker-shaped error responses.</summary>
    public static async Task HandleAsync(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (Exception error) when (!context.Response.HasStarted && error is not OperationCanceledException)
        {
            var status = StatusOf(error);
            context.Response.Clear();
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var message = status == StatusCodes.Status500InternalServerError && error is not RuntimeException and not NetworkingException and not IOException
                ? $"internal error: {error.GetType().Name}: {error.Message}"
                : error.Message;
            await context.Response.WriteAsync(Body(message), context.RequestAborted);
        }
    }
}

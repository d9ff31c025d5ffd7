using System.Diagnostics;
using Flotilla.Gateway.Metrics;
using Flotilla.Gateway.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Flotilla.Gateway.Proxy;

/// <summary>
/// Wraps every proxied request: answers requests no route matched (404, or 503 before the first
/// route table), gives YARP's bodiless error statuses a short text body, and records metrics.
/// </summary>
internal sealed class GatewayResponseMiddleware(
    RequestDelegate next,
    RouteTableConfigProvider routeTable,
    GatewayMetrics metrics)
{
    private const int MaxEchoedLength = 200;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var route = GatewayMetrics.NoRoute;
        try
        {
            if (context.GetEndpoint() is null)
            {
                await WriteUnmatchedAsync(context);
                return;
            }

            await next(context);
            var proxyFeature = context.Features.Get<IReverseProxyFeature>();
            route = proxyFeature?.Route.Config.RouteId ?? GatewayMetrics.NoRoute;
            if (!context.Response.HasStarted && context.Features.Get<IForwarderErrorFeature>() is { } error)
            {
                await WriteErrorAsync(context, route, error.Error, proxyFeature?.ProxiedDestination);
            }
        }
        finally
        {
            metrics.ObserveRequest(route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
    }

    private Task WriteUnmatchedAsync(HttpContext context)
    {
        if (routeTable.Current is null)
        {
            context.Response.Headers[HeaderNames.RetryAfter] = "5";
            return WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "503 Service Unavailable: the gateway has no route table yet (the control plane has not been reached); retrying.\n");
        }

        var host = Truncate(context.Request.Host.Value ?? "");
        var path = Truncate(context.Request.Path.Value ?? "/");
        return WriteAsync(context, StatusCodes.Status404NotFound, $"404 Not Found: no route for host '{host}' path '{path}'.\n");
    }

    private static Task WriteErrorAsync(HttpContext context, string route, ForwarderError error, DestinationState? destination)
    {
        var replica = destination?.DestinationId ?? "(none)";
        var (status, body) = error switch
        {
            ForwarderError.NoAvailableDestinations =>
                (StatusCodes.Status503ServiceUnavailable, $"503 Service Unavailable: workload '{route}' has no healthy replica.\n"),
            ForwarderError.RequestTimedOut =>
                (StatusCodes.Status504GatewayTimeout, $"504 Gateway Timeout: replica '{replica}' of workload '{route}' did not answer in time.\n"),
            _ when context.Response.StatusCode >= 500 =>
                (context.Response.StatusCode,
                 $"{context.Response.StatusCode} {ReasonPhrases.GetReasonPhrase(context.Response.StatusCode)}: replica '{replica}' of workload '{route}' failed ({error}).\n"),
            _ => (0, ""),
        };

        // Client-side failures (the client hung up) leave nothing to answer.
        return status == 0 || context.RequestAborted.IsCancellationRequested
            ? Task.CompletedTask
            : WriteAsync(context, status, body);
    }

    private static Task WriteAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static string Truncate(string value) => value.Length <= MaxEchoedLength ? value : value[..MaxEchoedLength] + "...";
}

using Flotilla.ControlPlane.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flotilla.ControlPlane.Api;

/// <summary>REST /v1/nodes and /v1/events.</summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        var nodes = app.MapGroup("/v1/nodes").RequireAuthorization(Policies.Api).WithTags("Nodes");
        nodes.MapGet("/", async (WorkloadOperations operations) =>
            TypedResults.Ok((await operations.ListNodesAsync()).Select(NodeResponse.From).ToList()));
        nodes.MapGet("/{id}", async Task<Results<Ok<NodeResponse>, ProblemHttpResult>> (string id, WorkloadOperations operations) =>
            await operations.GetNodeAsync(id) is { } node
                ? TypedResults.Ok(NodeResponse.From(node))
                : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"node {id} is not registered"));

        app.MapGet("/v1/events", async (int? limit, WorkloadOperations operations) =>
            TypedResults.Ok((await operations.RecentEventsAsync(limit ?? 100)).Select(EventResponse.From).ToList()))
            .RequireAuthorization(Policies.Api)
            .WithTags("Events");
        return app;
    }
}

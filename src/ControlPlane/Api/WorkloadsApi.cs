using System.Globalization;
using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Grains;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flotilla.ControlPlane.Api;

/// <summary>REST /v1/workloads. Specs arrive as YAML or JSON; versions travel in ETag / If-Match.</summary>
public static class WorkloadsApi
{
    public static RouteGroupBuilder MapWorkloadsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/workloads").RequireAuthorization(Policies.Api).WithTags("Workloads");
        group.MapPost("/", CreateAsync).Accepts<WorkloadSpec>("application/json", "application/yaml");
        group.MapGet("/", ListAsync);
        group.MapGet("/{name}", GetAsync);
        group.MapPut("/{name}", UpdateAsync).Accepts<WorkloadSpec>("application/json", "application/yaml");
        group.MapPost("/{name}/scale", ScaleAsync);
        group.MapDelete("/{name}", DeleteAsync);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, WorkloadOperations operations)
    {
        var body = await ReadBodyAsync(request);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        return ToHttp(await operations.CreateAsync(body.Text!), request.HttpContext);
    }

    private static async Task<Ok<List<WorkloadResponse>>> ListAsync(WorkloadOperations operations) =>
        TypedResults.Ok((await operations.ListAsync()).Select(WorkloadResponse.From).ToList());

    private static async Task<Results<Ok<WorkloadResponse>, ProblemHttpResult>> GetAsync(string name, WorkloadOperations operations, HttpContext context)
    {
        var view = await operations.GetAsync(name);
        if (view is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"workload {name} does not exist");
        }

        context.Response.Headers.ETag = ETag(view.Version);
        return TypedResults.Ok(WorkloadResponse.From(view));
    }

    private static async Task<IResult> UpdateAsync(string name, HttpRequest request, WorkloadOperations operations)
    {
        if (!TryIfMatch(request, out var version, out var problem))
        {
            return problem!;
        }

        var body = await ReadBodyAsync(request);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        return ToHttp(await operations.UpdateAsync(name, body.Text!, version), request.HttpContext);
    }

    private static async Task<IResult> ScaleAsync(string name, ScaleRequest? scale, HttpRequest request, WorkloadOperations operations)
    {
        if (!TryIfMatch(request, out var version, out var problem))
        {
            return problem!;
        }

        if (scale?.Replicas is not { } replicas)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["replicas"] = ["is required: { \"replicas\": 3 }"] });
        }

        return ToHttp(await operations.ScaleAsync(name, replicas, version), request.HttpContext);
    }

    private static async Task<IResult> DeleteAsync(string name, HttpRequest request, WorkloadOperations operations)
    {
        if (!TryIfMatch(request, out var version, out var problem))
        {
            return problem!;
        }

        return ToHttp(await operations.DeleteAsync(name, version), request.HttpContext);
    }

    private static IResult ToHttp(OperationResult result, HttpContext context)
    {
        if (result.View is { } view)
        {
            context.Response.Headers.ETag = ETag(view.Version);
        }

        return result.Outcome switch
        {
            WorkloadOutcome.Created => TypedResults.Created($"/v1/workloads/{result.View!.Name}", WorkloadResponse.From(result.View)),
            WorkloadOutcome.Updated or WorkloadOutcome.Unchanged => TypedResults.Ok(WorkloadResponse.From(result.View!)),
            WorkloadOutcome.Deleted => TypedResults.NoContent(),
            WorkloadOutcome.NotFound => TypedResults.Problem(statusCode: 404, title: "Not found", detail: result.Message),
            WorkloadOutcome.AlreadyExists => TypedResults.Problem(statusCode: 409, title: "Already exists", detail: result.Message),
            WorkloadOutcome.VersionMismatch => TypedResults.Problem(statusCode: 412, title: "Version mismatch", detail: result.Message),
            _ => result.Errors.Count > 0
                ? TypedResults.ValidationProblem(
                    result.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                    detail: result.Message,
                    title: "The workload spec is not valid")
                : TypedResults.Problem(statusCode: 400, title: "Invalid request", detail: result.Message),
        };
    }

    private static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    private static bool TryIfMatch(HttpRequest request, out long version, out IResult? problem)
    {
        version = 0;
        problem = null;
        string? header = request.Headers.IfMatch;
        if (string.IsNullOrEmpty(header) || header == "*")
        {
            return true;
        }

        if (long.TryParse(header.Trim().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out version) && version > 0)
        {
            return true;
        }

        problem = TypedResults.Problem(statusCode: 400, title: "Invalid If-Match", detail: "If-Match must be a workload version as returned in ETag, e.g. \"3\"");
        return false;
    }

    private static async Task<(string? Text, IResult? Problem)> ReadBodyAsync(HttpRequest request)
    {
        try
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            return string.IsNullOrWhiteSpace(text)
                ? (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["(document)"] = ["the request body must be a workload spec (YAML or JSON)"] }))
                : (text, null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TypedResults.Problem(statusCode: 413, title: "Request body too large", detail: "the spec is larger than the control plane accepts"));
        }
    }
}

using System.Text.RegularExpressions;
using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Grains;

namespace Flotilla.ControlPlane.Api;

/// <summary>
/// The scheduling operations behind both REST and gRPC: parse and validate at the boundary, then
/// hand the grain only a valid spec. Invalid input never reaches a grain, so nothing is stored.
/// </summary>
public sealed partial class WorkloadOperations(IGrainFactory grains)
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public async Task<OperationResult> CreateAsync(string specText)
    {
        var parsed = WorkloadSpecParser.Parse(specText);
        if (!parsed.IsValid)
        {
            return OperationResult.Invalid(parsed.Errors);
        }

        var spec = parsed.Spec!;
        return OperationResult.From(await Workload(spec.Name!).Create(WorkloadSpecParser.ToJson(spec)));
    }

    public async Task<OperationResult> UpdateAsync(string name, string specText, long expectedVersion)
    {
        if (!IsValidName(name))
        {
            return OperationResult.Invalid([new SpecError("name", $"'{name}' is not a workload name")]);
        }

        var parsed = WorkloadSpecParser.Parse(specText);
        if (!parsed.IsValid)
        {
            return OperationResult.Invalid(parsed.Errors);
        }

        if (parsed.Spec!.Name != name)
        {
            return OperationResult.Invalid([new SpecError("name", $"the spec names '{parsed.Spec.Name}' but the request is for '{name}'")]);
        }

        return OperationResult.From(await Workload(name).Update(WorkloadSpecParser.ToJson(parsed.Spec), expectedVersion));
    }

    public async Task<OperationResult> ScaleAsync(string name, int replicas, long expectedVersion)
    {
        if (!IsValidName(name))
        {
            return OperationResult.Invalid([new SpecError("name", $"'{name}' is not a workload name")]);
        }

        if (replicas is < 0 or > WorkloadDefaults.MaxReplicas)
        {
            return OperationResult.Invalid([new SpecError("replicas", $"must be between 0 and {WorkloadDefaults.MaxReplicas}")]);
        }

        return OperationResult.From(await Workload(name).Scale(replicas, expectedVersion));
    }

    public async Task<OperationResult> DeleteAsync(string name, long expectedVersion) =>
        IsValidName(name)
            ? OperationResult.From(await Workload(name).Delete(expectedVersion))
            : OperationResult.From(new WorkloadCommandResult(WorkloadOutcome.NotFound, null, $"workload {name} does not exist"));

    public async Task<WorkloadView?> GetAsync(string name) => IsValidName(name) ? await Workload(name).Get() : null;

    public async Task<List<WorkloadView>> ListAsync()
    {
        var names = await grains.GetGrain<IWorkloadIndexGrain>(0).GetNames();
        var views = await Task.WhenAll(names.Select(n => Workload(n).Get()));
        return [.. views.OfType<WorkloadView>()];
    }

    public async Task<List<NodeView>> ListNodesAsync()
    {
        var ids = await grains.GetGrain<INodeDirectoryGrain>(0).GetNodeIds();
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<INodeGrain>(id).Get()));
        return [.. views.OfType<NodeView>()];
    }

    public async Task<NodeView?> GetNodeAsync(string id) =>
        (await grains.GetGrain<INodeDirectoryGrain>(0).GetNodeIds()).Contains(id)
            ? await grains.GetGrain<INodeGrain>(id).Get()
            : null;

    public Task<List<EventRecord>> RecentEventsAsync(int limit) =>
        grains.GetGrain<IEventLogGrain>(0).GetRecent(limit <= 0 ? 100 : limit);

    private IWorkloadGrain Workload(string name) => grains.GetGrain<IWorkloadGrain>(name);
}

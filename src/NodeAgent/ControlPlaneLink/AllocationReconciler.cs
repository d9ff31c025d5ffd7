using System.Collections.Concurrent;
using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// Level-triggered: on every new desired set, health change, finished pull, and every
/// <see cref="ControlPlaneLinkOptions.ReconcileInterval"/>, compares the whole desired set with the
/// containers the link owns and takes the steps <see cref="ReconcilePlanner"/> decides. Does nothing
/// before the first desired set arrives, so a restarted agent keeps its containers as they are.
/// </summary>
public sealed class AllocationReconciler(
    DesiredAllocations desired,
    AllocationStatusBoard board,
    AllocationHealthChecks health,
    ContainerEngine engine,
    IImageStore images,
    IOptions<ControlPlaneLinkOptions> options,
    TimeProvider time,
    ILogger<AllocationReconciler> logger) : BackgroundService
{
    private const int Parallelism = 4;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _pulls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AllocationFailure> _failures = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.OnChange = desired.ReconcileNeeded.Set;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await desired.ReconcileNeeded.WaitAsync(options.Value.ReconcileInterval, stoppingToken);
                if (await PassAsync(stoppingToken))
                {
                    // Steps were taken: look again at once so their outcome is reported without waiting.
                    desired.ReconcileNeeded.Set();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // A pass must never end the loop: the next one starts from a fresh snapshot.
                LinkLog.PassFailed(logger, error.Message);
            }
        }
    }

    /// <summary>One comparison of desired and actual state and its steps; true when it took any.</summary>
    internal async Task<bool> PassAsync(CancellationToken cancellationToken)
    {
        var set = desired.Current;
        if (set is null)
        {
            return false;
        }

        var desiredIds = set.Allocations.Select(a => a.AllocationId).ToHashSet(StringComparer.Ordinal);
        foreach (var forgotten in _failures.Keys.Where(id => !desiredIds.Contains(id)))
        {
            _failures.TryRemove(forgotten, out _);
        }

        var plan = ReconcilePlanner.Plan(new ReconcileInput
        {
            Desired = set.Allocations,
            Containers = [.. engine.List().Select(ObservedContainer.From).OfType<ObservedContainer>()],
            HasImage = image => images.Find(image) is not null,
            Pulling = _pulls.Keys.ToHashSet(StringComparer.Ordinal),
            Failures = new Dictionary<string, AllocationFailure>(_failures, StringComparer.Ordinal),
            Health = health.Snapshot(),
            Now = time.GetUtcNow(),
        });
        board.Publish(plan.Statuses);
        health.Sync(plan.HealthChecks);
        if (plan.Converged)
        {
            desired.MarkApplied(set.Version);
        }

        if (plan.Actions.Count == 0)
        {
            return false;
        }

        await Parallel.ForEachAsync(
            plan.Actions.OfType<RemoveContainer>(),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (removal, token) => await RemoveAsync(removal, desiredIds.Contains(removal.AllocationId), token));
        foreach (var pull in plan.Actions.OfType<PullImage>())
        {
            StartPull(pull.Image, [.. set.Allocations.Where(a => a.Image == pull.Image)]);
        }

        await Parallel.ForEachAsync(
            plan.Actions.Where(a => a is StartContainer or CreateContainer),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (action, token) =>
            {
                switch (action)
                {
                    case CreateContainer create:
                        await CreateAsync(create.Allocation, token);
                        break;
                    case StartContainer start:
                        await StartAsync(start, token);
                        break;
                }
            });
        return true;
    }

    private async Task RemoveAsync(RemoveContainer removal, bool stillDesired, CancellationToken cancellationToken)
    {
        try
        {
            await engine.StopAsync(removal.ContainerId, timeout: null, cancellationToken);
            await engine.RemoveAsync(removal.ContainerId, force: true, cancellationToken);
            LinkLog.Removed(logger, removal.ContainerId, removal.AllocationId, removal.Reason);
            if (!stillDesired)
            {
                _failures.TryRemove(removal.AllocationId, out _);
                board.Stopped(removal.AllocationId);
            }
        }
        catch (ContainerNotFoundException)
        {
            // Already gone: the goal of the step is met.
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LinkLog.RemoveFailed(logger, removal.ContainerId, removal.AllocationId, error.Message);
        }
    }

    private void StartPull(string image, IReadOnlyList<Allocation> waiting)
    {
        if (!_pulls.TryAdd(image, time.GetUtcNow()))
        {
            return;
        }

        LinkLog.Pulling(logger, image, string.Join(", ", waiting.Select(a => a.AllocationId)));
        _ = Task.Run(async () =>
        {
            try
            {
                await images.PullAsync(image, progress: null, CancellationToken.None);
                foreach (var allocation in waiting)
                {
                    _failures.TryRemove(allocation.AllocationId, out _);
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LinkLog.PullFailed(logger, image, error.Message);
                foreach (var allocation in waiting)
                {
                    RecordFailure(allocation.AllocationId, "pull", $"pulling {image} failed: {error.Message}");
                }
            }
            finally
            {
                _pulls.TryRemove(image, out _);
                desired.ReconcileNeeded.Set();
            }
        });
    }

    private async Task CreateAsync(Allocation allocation, CancellationToken cancellationToken)
    {
        ContainerRecord record;
        try
        {
            record = await engine.CreateAsync(AllocationContainerSpec.From(allocation, Environment.ProcessorCount, options.Value.StopTimeout), cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            RecordFailure(allocation.AllocationId, "create its container", error.Message);
            return;
        }

        try
        {
            await engine.StartAsync(record.Id, cancellationToken);
            _failures.TryRemove(allocation.AllocationId, out _);
            LinkLog.Started(logger, allocation.AllocationId, allocation.Workload, allocation.Revision);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            RecordFailure(allocation.AllocationId, "start", error.Message);
        }
    }

    private async Task StartAsync(StartContainer start, CancellationToken cancellationToken)
    {
        try
        {
            await engine.StartAsync(start.ContainerId, cancellationToken);
            _failures.TryRemove(start.AllocationId, out _);
        }
        catch (InvalidContainerStateException)
        {
            // It moved on by itself (the engine restarted it, or it is being removed): the next pass sees where.
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            RecordFailure(start.AllocationId, "start", error.Message);
        }
    }

    private void RecordFailure(string allocationId, string step, string message)
    {
        var failure = _failures.AddOrUpdate(
            allocationId,
            _ => AllocationFailure.Next(null, message, time.GetUtcNow()),
            (_, previous) => AllocationFailure.Next(previous, message, time.GetUtcNow()));
        LinkLog.StepFailed(logger, allocationId, step, message, failure.RetryAt - time.GetUtcNow());
    }

    public override void Dispose()
    {
        health.Sync([]);
        base.Dispose();
    }
}

using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.ControlPlaneLink;
using Flotilla.NodeAgent.Containers;
using static Flotilla.NodeAgent.Tests.ControlPlaneLink.Allocations;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

[Trait("Category", "Unit")]
public sealed class ReconcilePlannerTests
{
    [Fact]
    public void MissingAllocationWithImage_IsCreated_AndReportedStarting()
    {
        var plan = ReconcilePlanner.Plan(Input([Web("a1")], []));

        var create = Assert.IsType<CreateContainer>(Assert.Single(plan.Actions));
        Assert.Equal("a1", create.Allocation.AllocationId);
        Assert.Equal(AllocationPhase.Starting, Assert.Single(plan.Statuses).Phase);
        Assert.False(plan.Converged);
    }

    [Fact]
    public void MissingImage_IsPulledOnce_ForEveryAllocationThatNeedsIt()
    {
        var plan = ReconcilePlanner.Plan(Input([Web("a1"), Web("a2", hostPort: 20002)], [], imagePresent: false));

        var pull = Assert.IsType<PullImage>(Assert.Single(plan.Actions));
        Assert.Equal("registry.test/httpd:1.0", pull.Image);
        Assert.All(plan.Statuses, s => Assert.Equal(AllocationPhase.Pulling, s.Phase));
    }

    [Fact]
    public void ImageBeingPulled_IsNotPulledAgain()
    {
        var input = Input([Web("a1")], [], imagePresent: false) with { Pulling = new HashSet<string> { "registry.test/httpd:1.0" } };

        var plan = ReconcilePlanner.Plan(input);

        Assert.Empty(plan.Actions);
        Assert.Equal(AllocationPhase.Pulling, Assert.Single(plan.Statuses).Phase);
        Assert.False(plan.Converged);
    }

    [Fact]
    public void RunningContainer_IsLeftAlone_AndReportedRunningOnItsHostPorts()
    {
        var allocation = Web("a1", hostPort: 20007);

        var plan = ReconcilePlanner.Plan(Input([allocation], [Container(allocation)]));

        Assert.Empty(plan.Actions);
        Assert.True(plan.Converged);
        var status = Assert.Single(plan.Statuses);
        Assert.Equal(AllocationPhase.Running, status.Phase);
        Assert.Equal(20007, status.HostPorts["http"]);
    }

    [Fact]
    public void ContainersNoLongerDesired_AreRemoved_AndRemovalsComeFirst()
    {
        var kept = Web("keep");
        var gone = Web("gone", hostPort: 20002);

        var plan = ReconcilePlanner.Plan(Input([kept, Web("new", hostPort: 20003)], [Container(kept), Container(gone)]));

        var remove = Assert.IsType<RemoveContainer>(plan.Actions[0]);
        Assert.Equal("gone", remove.AllocationId);
        Assert.IsType<CreateContainer>(Assert.Single(plan.Actions.Skip(1)));
        Assert.DoesNotContain(plan.Statuses, s => s.AllocationId == "gone");
    }

    [Fact]
    public void EmptyDesiredSet_RemovesEveryOwnedContainer()
    {
        var plan = ReconcilePlanner.Plan(Input([], [Container(Web("a1")), Container(Web("a2"))]));

        Assert.Equal(["a1", "a2"], plan.Actions.Cast<RemoveContainer>().Select(r => r.AllocationId));
        Assert.Empty(plan.Statuses);
    }

    [Fact]
    public void ContainerOfAnOlderRevision_IsRemoved_AndTheNewOneCreatedOnlyAfterwards()
    {
        var allocation = Web("a1", revision: 2);

        var plan = ReconcilePlanner.Plan(Input([allocation], [Container(allocation, revision: 1)]));

        var remove = Assert.IsType<RemoveContainer>(Assert.Single(plan.Actions));
        Assert.Contains("revision 1 replaced by 2", remove.Reason, StringComparison.Ordinal);
        Assert.Equal(AllocationPhase.Starting, Assert.Single(plan.Statuses).Phase);
        Assert.False(plan.Converged);

        var next = ReconcilePlanner.Plan(Input([allocation], []));
        Assert.IsType<CreateContainer>(Assert.Single(next.Actions));
    }

    [Fact]
    public void CreatedContainer_IsStarted()
    {
        var allocation = Web("a1");

        var plan = ReconcilePlanner.Plan(Input([allocation], [Container(allocation, ContainerState.Created)]));

        Assert.Equal(new StartContainer("c-a1-1", "a1"), Assert.Single(plan.Actions));
    }

    [Fact]
    public void StoppedContainer_UnderAlways_IsStartedAgain()
    {
        var allocation = Web("a1");

        var plan = ReconcilePlanner.Plan(Input([allocation], [Container(allocation, ContainerState.Exited, exitCode: 137, stoppedByUser: true)]));

        Assert.IsType<StartContainer>(Assert.Single(plan.Actions));
        Assert.Equal(AllocationPhase.Exited, plan.Statuses[0].Phase);
        Assert.Equal(137, plan.Statuses[0].ExitCode);
    }

    [Theory]
    [InlineData(RestartPolicyKind.No, 3)]
    [InlineData(RestartPolicyKind.OnFailure, 0)]
    public void ExitedContainer_ThePolicyLetsRest_StaysExited_WithItsCode(RestartPolicyKind policy, int exitCode)
    {
        var allocation = Web("a1");

        var plan = ReconcilePlanner.Plan(Input([allocation], [Container(allocation, ContainerState.Exited, policy: policy, exitCode: exitCode, stoppedByUser: true)]));

        Assert.Empty(plan.Actions);
        Assert.True(plan.Converged);
        var status = Assert.Single(plan.Statuses);
        Assert.Equal(AllocationPhase.Exited, status.Phase);
        Assert.Equal(exitCode, status.ExitCode);
    }

    [Fact]
    public void RestartingContainer_IsLeftToTheEngine_AndReportedStarting()
    {
        var allocation = Web("a1");

        var plan = ReconcilePlanner.Plan(Input([allocation], [Container(allocation, ContainerState.Restarting, exitCode: 1)]));

        Assert.Empty(plan.Actions);
        Assert.Equal(AllocationPhase.Starting, plan.Statuses[0].Phase);
        Assert.Contains("exit code 1", plan.Statuses[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FailedStart_IsReportedWithItsReason_AndRetriedOnlyAfterTheBackoff()
    {
        var allocation = Web("a1");
        var container = Container(allocation, ContainerState.Exited, exitCode: 127, stoppedByUser: true, error: "port 20001 is already in use");
        var input = Input([allocation], [container]);
        var failure = AllocationFailure.Next(null, "port 20001 is already in use", input.Now);

        var waiting = ReconcilePlanner.Plan(input with { Failures = new Dictionary<string, AllocationFailure> { ["a1"] = failure } });
        var retrying = ReconcilePlanner.Plan(input with { Failures = new Dictionary<string, AllocationFailure> { ["a1"] = failure }, Now = failure.RetryAt });

        Assert.Empty(waiting.Actions);
        Assert.Equal(AllocationPhase.Failed, waiting.Statuses[0].Phase);
        Assert.Equal("port 20001 is already in use", waiting.Statuses[0].Message);
        Assert.IsType<StartContainer>(Assert.Single(retrying.Actions));
    }

    [Fact]
    public void FailedPull_IsReportedFailed_UntilItsRetryIsDue()
    {
        var input = Input([Web("a1")], [], imagePresent: false);
        var failure = AllocationFailure.Next(null, "pulling registry.test/httpd:1.0 failed: manifest unknown", input.Now);

        var plan = ReconcilePlanner.Plan(input with { Failures = new Dictionary<string, AllocationFailure> { ["a1"] = failure } });

        Assert.Empty(plan.Actions);
        Assert.Equal(AllocationPhase.Failed, plan.Statuses[0].Phase);
        Assert.Contains("manifest unknown", plan.Statuses[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HealthCheckedRunningAllocation_IsProbed_AndReportsItsHealth()
    {
        var checkedOne = Web("a1");
        checkedOne.Health = new HealthCheck { HttpPath = "/", ContainerPort = 8000, HostPort = 20001, IntervalMs = 1000, TimeoutMs = 500, Retries = 3 };
        var plain = Web("a2", hostPort: 20002);
        var input = Input([checkedOne, plain], [Container(checkedOne), Container(plain)]) with
        {
            Health = new Dictionary<string, HealthState> { ["a1"] = HealthState.Unhealthy },
        };

        var plan = ReconcilePlanner.Plan(input);

        Assert.Equal("a1", Assert.Single(plan.HealthChecks).AllocationId);
        Assert.Equal(HealthState.Unhealthy, plan.Statuses[0].Health);
        Assert.Equal(HealthState.Unknown, plan.Statuses[1].Health);
    }

    [Fact]
    public void ContainersWithoutTheAllocationLabel_AreNotOwned()
    {
        var record = new ContainerRecord
        {
            Id = new string('a', 64),
            Name = "someone-elses",
            Spec = new ContainerSpec { Image = "busybox", Labels = new Dictionary<string, string> { ["flotilla.workload"] = "web" } },
            ImageId = "sha256:00",
            Args = ["sh"],
            Env = [],
            WorkingDir = "",
            User = "",
            Hostname = "x",
            Created = DateTimeOffset.UnixEpoch,
        };

        Assert.Null(ObservedContainer.From(record));
        var owned = ObservedContainer.From(record with { Spec = record.Spec with { Labels = new Dictionary<string, string> { [AllocationLabels.Allocation] = "a1", [AllocationLabels.Revision] = "4" } } });
        Assert.Equal(("a1", 4L), (owned!.AllocationId, owned.Revision));
    }
}

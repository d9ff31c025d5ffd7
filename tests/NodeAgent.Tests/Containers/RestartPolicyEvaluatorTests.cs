using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.Tests.Containers;

[Trait("Category", "Unit")]
public sealed class RestartPolicyEvaluatorTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void QuickFailures_DoubleTheDelay_UpToTheCap()
    {
        var policy = RestartPolicy.Parse("always");
        var delays = new List<TimeSpan>();
        int count = 0, step = 0;
        for (var exit = 0; exit < 14; exit++)
        {
            var decision = RestartPolicyEvaluator.Decide(policy, 1, stoppedByUser: false, Quick, count, step);
            Assert.True(decision.Restart);
            delays.Add(decision.Delay);
            (count, step) = (decision.NextRestartCount, decision.NextBackoffStep);
        }

        Assert.Equal(14, count);
        for (var index = 1; index < delays.Count; index++)
        {
            Assert.True(delays[index] == delays[index - 1] * 2 || delays[index] == RestartPolicyEvaluator.MaximumDelay, $"delay {index}: {delays[index]} after {delays[index - 1]}");
        }

        Assert.Equal(RestartPolicyEvaluator.MaximumDelay, delays[^1]);
    }

    [Fact]
    public void AStableRun_ResetsTheBackoff_ButNotTheRestartCount()
    {
        var policy = RestartPolicy.Parse("on-failure:10");
        var afterQuick = RestartPolicyEvaluator.Decide(policy, 1, false, Quick, restartCount: 5, backoffStep: 5);
        var afterStable = RestartPolicyEvaluator.Decide(policy, 1, false, RestartPolicyEvaluator.StableRun, restartCount: 5, backoffStep: 5);

        Assert.Equal(RestartPolicyEvaluator.InitialDelay * 32, afterQuick.Delay);
        Assert.Equal(RestartPolicyEvaluator.InitialDelay, afterStable.Delay);
        Assert.Equal(6, afterStable.NextRestartCount);
    }

    [Theory]
    [InlineData("no", 1, false, false)]
    [InlineData("always", 0, false, true)]
    [InlineData("always", 0, true, false)]
    [InlineData("unless-stopped", 0, false, true)]
    [InlineData("unless-stopped", 137, true, false)]
    [InlineData("on-failure", 0, false, false)]
    [InlineData("on-failure", 2, false, true)]
    [InlineData("on-failure:3", 2, true, false)]
    public void Decides_PerPolicyExitAndManualStop(string policy, int exitCode, bool stoppedByUser, bool restart) =>
        Assert.Equal(restart, RestartPolicyEvaluator.Decide(RestartPolicy.Parse(policy), exitCode, stoppedByUser, Quick, 0, 0).Restart);

    [Fact]
    public void OnFailure_StopsAtItsMaximumRetryCount()
    {
        var policy = RestartPolicy.Parse("on-failure:2");
        Assert.True(RestartPolicyEvaluator.Decide(policy, 1, false, Quick, 1, 1).Restart);
        Assert.False(RestartPolicyEvaluator.Decide(policy, 1, false, Quick, 2, 2).Restart);
    }

    [Theory]
    [InlineData("sometimes")]
    [InlineData("always:3")]
    [InlineData("on-failure:-1")]
    [InlineData("on-failure:x")]
    public void UnknownPolicies_AreRejectedWithTheValidForms(string text)
    {
        var error = Assert.Throws<InvalidRunOptionsException>(() => RestartPolicy.Parse(text));
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }
}

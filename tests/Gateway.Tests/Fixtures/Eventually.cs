namespace Flotilla.Gateway.Tests.Fixtures;

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test naming <paramref name="what"/> if it never does.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(25);
        }
    }
}

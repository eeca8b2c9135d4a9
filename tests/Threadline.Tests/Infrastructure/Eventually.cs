namespace Threadline.Tests.Infrastructure;

/// <summary>
/// Waits for a condition that nothing announces (a slot freed, an execution's last step done), looking
/// every few milliseconds of real time and giving up after 15 s (or the limit given). Where a change is announced, wait on the
/// announcement instead (<see cref="CoreHarness.UntilAsync"/>).
/// </summary>
internal static class Eventually
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Limit);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"still not {what} after {limit ?? Limit}");
            await Task.Delay(5);
        }
    }

    /// <summary>The same for a condition that must ask (an HTTP call): looked at every 50 ms.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Limit);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"still not {what} after {limit ?? Limit}");
            await Task.Delay(50);
        }
    }
}

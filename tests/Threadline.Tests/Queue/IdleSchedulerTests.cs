using Threadline.Queue;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// An idle queue costs nothing: with no run waiting, leased or waiting for tool outputs, a scheduler pass
/// asks to sleep until woken (an infinite wait), both before any run and after the last one ended.
/// </summary>
public sealed class IdleSchedulerTests
{
    [Fact]
    public async Task A_scheduler_pass_on_an_idle_queue_waits_until_woken()
    {
        await using var core = await CoreHarness.StartAsync();
        var scheduler = core.Get<RunScheduler>();

        Assert.Equal(Timeout.InfiniteTimeSpan, await scheduler.RunOnceAsync(CancellationToken.None));

        var run = await core.CreateRunAsync("hello");
        await core.UntilRunAsync(run.Id, r => r.IsTerminal);
        Assert.Equal(Timeout.InfiniteTimeSpan, await scheduler.RunOnceAsync(CancellationToken.None));
    }
}

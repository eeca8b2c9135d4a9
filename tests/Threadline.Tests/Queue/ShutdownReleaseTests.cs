using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// A stopping scheduler honours the host's shutdown timeout (on the fake clock): executions still running
/// get the timeout less the scheduler's reserve to end on their own, and the rest are then released at once
/// instead of being left to lease expiry: a run with no output goes back to <c>queued</c>, for another
/// process to take straight away; a run that had begun its reply fails with <c>server_error</c>.
/// </summary>
public sealed class ShutdownReleaseTests
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Drain = ShutdownTimeout - RunScheduler.ReleaseReserve;

    [Fact]
    public async Task Stopping_lets_executions_end_within_the_shutdown_timeout_then_releases_the_rest_at_once()
    {
        GatedChatClient model = null!;
        await using var core = await CoreHarness.StartAsync(configure: services =>
        {
            model = GatedChatClient.Use(services);
            services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        });
        var silent = await core.CreateRunAsync("nothing said yet");
        await model.NextCallAsync();
        var talking = await core.CreateRunAsync("half an answer");
        (await model.NextCallAsync()).Say("half");
        await core.UntilAsync(talking.Id, () => core.RepliesAsync(talking.ThreadId), replies => replies.Count == 1, _ => "no reply begun");
        var finishing = await core.CreateRunAsync("done in time");
        var finishingCall = await model.NextCallAsync();

        var stopping = core.Get<RunScheduler>().StopAsync(CancellationToken.None);

        // :: Inside the drain, an execution that ends on its own ends as it would have.
        core.Advance(Drain - TimeSpan.FromMilliseconds(1));
        finishingCall.Answer("in time");
        Assert.Equal(RunStatus.Completed, (await core.UntilRunAsync(finishing.Id, r => r.IsTerminal)).Status);
        Assert.False(stopping.IsCompleted);

        // :: At its end, the others are released, far sooner than their leases would lapse.
        core.Advance(TimeSpan.FromMilliseconds(1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
        var requeued = await core.ReadRunAsync(silent.Id);
        Assert.Equal((RunStatus.Queued, null), (requeued.Status, requeued.LeaseExpiresAtMs));
        var failed = await core.ReadRunAsync(talking.Id);
        Assert.Equal((RunStatus.Failed, "server_error"), (failed.Status, failed.LastError?.Code));

        var takenOver = await core.Store.WriteAsync(s => core.Get<RunLifecycle>().ClaimHeadAsync(s, silent.ThreadId, new ClaimFor("another-process", 30_000)),
            CancellationToken.None);
        Assert.Equal((silent.Id, 2), (takenOver?.Id, takenOver?.Attempt));
    }
}

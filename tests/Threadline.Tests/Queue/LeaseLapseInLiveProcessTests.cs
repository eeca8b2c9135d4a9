using Threadline.Queue;
using Threadline.Runs;
using Threadline.Streaming;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// I5 inside a live process (issue #10, defect 2): an execution's lease lapses while its model call is still
/// open, because no beat renewed it in time (the heartbeat stuck behind a busy writer, here simply not run).
/// The scheduler takes the run over and the same process claims it again. The late beat stops the first
/// execution; whatever it writes afterwards (its reply's start, its finish) is fenced out by its attempt,
/// so the thread gets one reply, from the second execution. The first model call ignores the stop, so
/// that only the fence stands between its answer and the thread.
/// </summary>
public sealed class LeaseLapseInLiveProcessTests
{
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_run_whose_lease_lapses_inside_a_live_process_replies_once_from_its_second_execution()
    {
        GatedChatClient model = null!;
        CapturedLogs logs = null!;
        await using var core = await CoreHarness.StartAsync(configure: services =>
        {
            model = GatedChatClient.Use(services, ignoresCancellation: true);
            logs = CapturedLogs.Use(services);
        });
        var ct = CancellationToken.None;
        var scheduler = core.Get<RunScheduler>();
        var leases = core.Get<LeaseKeeper>();

        // :: Attempt 1 is inside its model call, which says nothing yet.
        var run = await core.CreateRunAsync("hello");
        var firstCall = await model.NextCallAsync();
        var firstLease = Assert.Single(leases.Held);
        Assert.Equal(1, firstLease.Attempt);

        // :: No beat comes; past the lease timeout the scheduler takes the run over: no output yet, so it is queued again.
        core.Advance(LeaseTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, await scheduler.RunOnceAsync(ct));
        var requeued = await core.ReadRunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, 1), (requeued.Status, requeued.Attempt));

        // :: The late beat learns that attempt 1 lost the run, and stops its execution.
        await leases.RunOnceAsync(ct);
        Assert.Equal(StopReason.LeaseLost, firstLease.Reason);

        // :: The same process claims the run again: attempt 2 calls the model.
        Assert.Equal(TimeSpan.Zero, await scheduler.RunOnceAsync(ct));
        var secondCall = await model.NextCallAsync();
        Assert.Equal((RunStatus.InProgress, 2), await StatusAsync(core, run.Id));

        // :: The first call answers anyway: attempt 1's writes change nothing.
        firstCall.Answer("from attempt 1");
        await logs.WhenLoggedAsync(e => e.EventId == 301 && e.Message.Contains($"{run.Id}: attempt 1 "), "about attempt 1's result being dropped");
        Assert.Empty(await core.RepliesAsync(run.ThreadId));
        Assert.Equal((RunStatus.InProgress, 2), await StatusAsync(core, run.Id));

        // :: Attempt 2 answers: one reply, its own, and the run's stream carries only its text.
        secondCall.Answer("from attempt 2");
        var ended = await core.UntilRunAsync(run.Id, r => r.IsTerminal);
        Assert.Equal((RunStatus.Completed, 2), (ended.Status, ended.Attempt));
        var reply = Assert.Single(await core.RepliesAsync(run.ThreadId));
        Assert.Equal("from attempt 2", reply.Text);
        var log = core.Get<RunEventHub>().Find(run.Id)!;
        Assert.Equal(2, log.Attempt);
        Assert.Equal(["from attempt 2"], log.ReadFrom(0).Events.OfType<TextAppended>().Select(t => t.Text));
    }

    private static async Task<(string, int)> StatusAsync(CoreHarness core, string runId)
    {
        var run = await core.ReadRunAsync(runId);
        return (run.Status, run.Attempt);
    }
}

using Threadline.Api;
using Threadline.Messages;
using Threadline.Queue;
using Threadline.Runs;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// The lease keeper is the process's one heartbeat: a beat renews every lease the process holds in one
/// write, whatever their number, and brings back what other processes did to those runs: a run that
/// another process moved to <c>cancelling</c> is stopped at the next beat and ends <c>cancelled</c>,
/// keeping the reply it had begun.
/// </summary>
public sealed class HeartbeatTests
{
    private const int Runs = 3;
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_beat_renews_every_lease_the_process_holds_in_one_write()
    {
        GatedChatClient model = null!;
        await using var core = await CoreHarness.StartAsync(configure: services =>
        {
            model = GatedChatClient.Use(services);
            TappedStore.Use(services);
        });
        var store = core.Get<TappedStore>();
        var leases = core.Get<LeaseKeeper>();
        var runs = new List<Run>();
        var calls = new List<HeldCall>();
        for (var i = 0; i < Runs; i++)
        {
            runs.Add(await core.CreateRunAsync($"run {i}"));
            calls.Add(await model.NextCallAsync());
        }

        core.Advance(LeaseTimeout / 3);
        var writesBefore = store.Writes;
        await leases.RunOnceAsync(CancellationToken.None);

        Assert.Equal(writesBefore + 1, store.Writes);
        foreach (var run in runs)
            Assert.Equal(core.NowMs + (long)LeaseTimeout.TotalMilliseconds, (await core.ReadRunAsync(run.Id)).LeaseExpiresAtMs);
        Assert.All(leases.Held, lease => Assert.Equal(StopReason.None, lease.Reason));

        foreach (var call in calls)
            call.Answer("done");
        foreach (var run in runs)
            Assert.Equal(RunStatus.Completed, (await core.UntilRunAsync(run.Id, r => r.IsTerminal)).Status);
    }

    [Fact]
    public async Task A_run_cancelled_by_another_process_stops_at_the_next_beat_and_keeps_its_partial_reply()
    {
        GatedChatClient model = null!;
        await using var here = await CoreHarness.StartAsync(configure: services => model = GatedChatClient.Use(services));
        await using var elsewhere = await CoreHarness.StartAsync(directory: here.Directory);
        var leases = here.Get<LeaseKeeper>();

        // :: Here, the run has begun its reply.
        var run = await here.CreateRunAsync("tell me a story");
        var call = await model.NextCallAsync();
        call.Say("Once upon");
        await here.UntilAsync(run.Id, () => here.RepliesAsync(run.ThreadId), r => r.Count == 1, _ => "no reply begun");
        var lease = Assert.Single(leases.Held);

        // :: Another process cancels it: only the database knows, until this process's next beat.
        var cancelling = (await elsewhere.Get<RunService>().CancelAsync(CoreHarness.Project, run.ThreadId, run.Id, CancellationToken.None)).OrThrow();
        Assert.Equal(RunStatus.Cancelling, cancelling.Status);
        Assert.Equal(StopReason.None, lease.Reason);

        await leases.RunOnceAsync(CancellationToken.None);

        Assert.Equal(StopReason.CancelRequested, lease.Reason);
        var ended = await here.UntilRunAsync(run.Id, r => r.IsTerminal);
        Assert.Equal(RunStatus.Cancelled, ended.Status);
        var reply = Assert.Single(await here.RepliesAsync(run.ThreadId));
        Assert.Equal(("Once upon", MessageStatus.Incomplete, "run_cancelled"), (reply.Text, reply.Status, reply.IncompleteReason));
    }
}

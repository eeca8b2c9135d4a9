using Threadline.Queue;
using Threadline.Runs;
using Threadline.Streaming;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Streaming;

/// <summary>
/// Bounded growth of what streams leave in the process: once the streams of a run executed here (followed
/// live in the hub) and of a run executed by another process (followed in the database) have ended, the hub
/// has dropped the run's event log, and the change feed keeps no waiter for either run. Each
/// would otherwise grow with every run ever streamed.
/// </summary>
public sealed class EndedStreamsLeaveNothingTests
{
    [Fact]
    public async Task After_streams_of_runs_executed_here_and_elsewhere_end_no_event_log_or_run_waiter_is_left()
    {
        GatedChatClient model = null!;
        await using var here = await CoreHarness.StartAsync(configure: services => model = GatedChatClient.Use(services));
        await using var elsewhere = await CoreHarness.StartAsync(directory: here.Directory);
        var hub = here.Get<RunEventHub>();
        var slots = here.Get<ExecutionSlots>();
        var allSlots = slots.Free;

        // :: A run executed here, streamed live while it runs.
        var local = await here.CreateRunAsync("here");
        var call = await model.NextCallAsync();
        var localStream = ReadToEndAsync(here, local);
        call.Answer("from here");
        Assert.Equal(RunStatus.Completed, EndOf(await localStream));
        await Eventually.TrueAsync(() => slots.Free == allSlots, "done executing the local run");

        // :: A run executed elsewhere, streamed here from what it stored.
        var remote = await elsewhere.CreateRunAsync("elsewhere");
        await elsewhere.UntilRunAsync(remote.Id, r => r.IsTerminal);
        Assert.Equal(RunStatus.Completed, EndOf(await ReadToEndAsync(here, remote)));

        // :: The local run's log went with its stream, without waiting out a linger; no waiter stays behind.
        Assert.Equal(0, hub.Count);
        Assert.Equal(0, here.Store.Changes.RunWaiterCount);
    }

    private static async Task<List<RunEvent>> ReadToEndAsync(CoreHarness core, Run run)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var events = new List<RunEvent>();
        await foreach (var e in core.Get<RunEventFeed>().ReadAsync(run, 0, new HashSet<string>(), timeout.Token))
            events.Add(e);
        return events;
    }

    private static string EndOf(List<RunEvent> events) => Assert.IsType<RunStatusChanged>(events[^1]).Run.Status;
}

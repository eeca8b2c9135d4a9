using Threadline.Runs;
using Threadline.Streaming;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Streaming;

/// <summary>
/// A run's event log is one list that every stream of the run reads with a cursor of its own: a reader that
/// stops reading (a client on a slow connection) holds up no append and costs the log nothing per append,
/// and when it comes back it reads on from the shared list rather than from a copy of what it missed.
/// The test plays the execution itself (the queue is off) and measures what this thread allocates.
/// </summary>
public sealed class SlowReaderTests
{
    private const int Readers = 50;
    private const int Appends = 10_000;

    [Fact]
    public async Task A_reader_that_stops_reading_holds_up_no_append_and_keeps_no_copy_of_the_events()
    {
        await using var core = await CoreHarness.StartAsync(new Dictionary<string, string?> { ["Threadline:Queue:Enabled"] = "false" });
        var run = await core.CreateRunAsync("hi");
        var hub = core.Get<RunEventHub>();
        var log = hub.Open(run.Id, 1);
        hub.Publish(log, new RunStatusChanged(run with { Status = RunStatus.InProgress }));

        // :: Readers that read the first event, then stop.
        var readers = new List<IAsyncEnumerator<RunEvent>>();
        for (var i = 0; i < Readers; i++)
        {
            var reader = core.Get<RunEventFeed>().ReadAsync(run, 0, new HashSet<string>(), CancellationToken.None).GetAsyncEnumerator();
            Assert.True(await reader.MoveNextAsync());
            readers.Add(reader);
        }
        Assert.Equal(Readers, log.Readers);

        // :: Appends complete, and cost what they cost on a log nobody reads.
        var pieces = Enumerable.Range(0, Appends).Select(i => new TextAppended("msg_1", $"piece {i} ")).ToArray();
        var read = AllocatedBy(() => Array.ForEach(pieces, p => hub.Publish(log, p)));
        var unread = hub.Open("run_unread", 1);
        var alone = AllocatedBy(() => Array.ForEach(pieces, p => hub.Publish(unread, p)));
        Assert.True(read <= alone + 1024, $"{Appends} appends allocated {read} bytes with {Readers} idle readers, {alone} with none");

        // :: A reader that comes back reads on from the shared list: the very events appended, without a copy of them.
        var back = readers[0];
        var resumed = await AllocatedByAsync(async () => Assert.True(await back.MoveNextAsync()));
        var events = new List<RunEvent> { back.Current };
        while (events.Count < Appends && await back.MoveNextAsync())
            events.Add(back.Current);
        Assert.True(pieces.Zip(events).All(p => ReferenceEquals(p.First, p.Second)), "the reader got other events than those appended, or not in order");
        Assert.True(resumed < Appends * IntPtr.Size / 4, $"coming back to {Appends} events allocated {resumed} bytes: a copy of what it missed");

        // :: Readers that leave let the log go after its linger.
        foreach (var reader in readers)
            await reader.DisposeAsync();
        Assert.Equal(0, log.Readers);
        hub.Close(log);
        hub.Close(unread);
        core.Advance(hub.Linger);
        Assert.Equal(0, hub.Count);
    }

    private static long AllocatedBy(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>What <paramref name="action"/> allocates on this thread; it must complete without yielding (every event it needs is there).</summary>
    private static async Task<long> AllocatedByAsync(Func<Task> action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var task = action();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(task.IsCompleted, "the reader waited although the events were there");
        await task;
        return allocated;
    }
}

using Threadline.Messages;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Threadline.Threads;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>Strict mode: what the hosted API refused on a busy thread is refused, naming the run that holds it, and nothing is written.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task An_idle_only_slot_is_refused_while_a_run_waits_or_runs_on_the_thread_and_names_that_run()
    {
        var thread = await CreateThreadAsync();
        var first = await TakeIdleSlotAsync(thread.Id);
        Assert.NotNull(first);
        Assert.NotNull(first.Position);
        Assert.Null(first.BlockingRunId);

        var queued = (await CreateRunAsync(thread.Id)).Run!;
        Assert.Equal(((long?)null, queued.Id), Refusal(await TakeIdleSlotAsync(thread.Id)));
        var active = (await ClaimHeadAsync(thread.Id))!;
        await CreateRunAsync(thread.Id);
        // The active run holds the thread, not the one waiting behind it.
        Assert.Equal(((long?)null, active.Id), Refusal(await TakeIdleSlotAsync(thread.Id)));

        await FinishAsync(active);
        await RunQueueDryAsync(thread.Id);
        // Refused takes used up no position.
        Assert.Equal(first.Position + 1, (await TakeIdleSlotAsync(thread.Id))?.Position);
        Assert.Null(await WriteAsync(s => s.Threads.ThreadSlotTakeAsync(new ThreadSlotTake(Project, "thread_missing", OnlyIfIdle: true))));
    }

    [Fact]
    public async Task A_strict_message_on_a_busy_thread_is_refused_and_not_stored()
    {
        var thread = await CreateThreadAsync();
        var active = await StartRunAsync(thread.Id);

        var (message, slot) = await WriteAsync(s => MessageAppend.AppendAsync(s, StoreObjects.Message(thread.Id, s.NowMs, "refused"), onlyIfIdle: true));

        Assert.Null(message);
        Assert.Equal(active.Id, slot?.BlockingRunId);
        Assert.Empty(await MessagesAsync(thread.Id));
    }

    [Fact]
    public async Task A_strict_run_on_a_busy_thread_is_refused_before_anything_is_written()
    {
        var thread = await CreateThreadAsync("user-42");
        var active = await StartRunAsync(thread.Id);

        var refused = await CreateRunAsync(thread.Id, onActive: OnActive.Reject, additional: [StoreObjects.Message(thread.Id, NowMs, "refused")]);
        // Also when the thread is found by its external id in the same call.
        var byExternalId = await WriteAsync(s => Lifecycle.CreateAsync(s, new RunCreate(StoreObjects.Run("", s.NowMs),
            new ThreadCreate(StoreObjects.Thread(s.NowMs, externalId: "user-42"), [StoreObjects.Message("", s.NowMs, "refused too")]),
            [], OnActive.Reject)));

        Assert.Equal(((Run?)null, active.Id), (refused.Run, refused.RejectedByRunId));
        Assert.Equal(((Run?)null, active.Id, thread.Id), (byExternalId.Run, byExternalId.RejectedByRunId, byExternalId.Thread?.Id));
        Assert.Equal([active.Id], (await ReadAsync(s => s.Runs.RunListAsync(Project, thread.Id, PageRequest.All))).Items.Select(r => r.Id));
        Assert.Empty(await MessagesAsync(thread.Id));
    }

    private Task<ThreadSlot?> TakeIdleSlotAsync(string threadId) =>
        WriteAsync(s => s.Threads.ThreadSlotTakeAsync(new ThreadSlotTake(Project, threadId, OnlyIfIdle: true)));

    private static (long? Position, string? BlockingRunId) Refusal(ThreadSlot? slot) => (slot?.Position, slot?.BlockingRunId);
}

using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Threads;

namespace Threadline.Queue.Lifecycle;

/// <summary>
/// Make a run on an existing thread (<paramref name="NewThread"/> null) or on a thread made or found
/// in the same transaction. With <see cref="Claim"/>, a run that may start at once is claimed in the
/// same transaction, so it starts without waiting for a scheduler pass.
/// </summary>
internal sealed record RunCreate(Run Run, ThreadCreate? NewThread, IReadOnlyList<Message> AdditionalMessages, OnActive OnActive)
{
    public ClaimFor? Claim { get; init; }
}

/// <summary>The run (made or joined), or why there is none: the thread missing, or the run that refused it (strict mode).</summary>
internal sealed record RunCreateResult(Run? Run, ConversationThread? Thread, bool Joined, bool ThreadMissing, string? RejectedByRunId)
{
    /// <summary>The active run that an <see cref="OnActive.Interrupt"/> cancelled.</summary>
    public string? InterruptedRunId { get; init; }

    /// <summary>The run claimed for this process's execution in the same transaction (the new run, or an older head of its thread).</summary>
    public Run? Claimed { get; init; }
}

internal sealed partial class RunLifecycle
{
    public async ValueTask<RunCreateResult> CreateAsync(IStoreSession s, RunCreate create)
    {
        // :: Step 1: strict mode refuses before anything is written, also on a thread found by its external id.
        var strict = create.OnActive == OnActive.Reject;
        if (strict && create.NewThread?.Thread is { ExternalId: { } externalId } wanted
            && await s.Threads.ThreadFindByExternalIdAsync(wanted.ProjectId, externalId) is { } found
            && await s.Threads.ThreadBlockingRunGetAsync(found.Id) is { } holding)
            return new(null, found, false, false, holding);

        // :: Step 2: the thread, made or found when it comes with the request, and held from here on.
        var thread = create.NewThread is { } newThread
            ? (await ThreadCreation.CreateAsync(s, newThread)).Thread
            : await s.Threads.ThreadLockAsync(create.Run.ProjectId, create.Run.ThreadId);
        if (thread is null)
            return new(null, null, false, ThreadMissing: true, null);
        // Times as the database orders the write: read once the thread is held (perhaps after waiting
        // for another node's transition of it), so that a quiet period starts when the call is applied.
        var now = s.NowMs;
        var run = create.Run with
        {
            ThreadId = thread.Id,
            CreatedAt = now / 1000,
            CreatedAtMs = now,
            EligibleAtMs = now + (create.Run.EligibleAtMs - create.Run.CreatedAtMs),
        };
        if (strict && await s.Threads.ThreadBlockingRunGetAsync(thread.Id) is { } blocking)
            return new(null, thread, false, false, blocking);

        // :: Step 3: additional messages join the thread (and restart debounce timers).
        long? inputSlot = null;
        foreach (var message in create.AdditionalMessages)
        {
            var (placed, _) = await MessageAppend.AppendAsync(s, message with { ThreadId = thread.Id }, onlyIfIdle: false);
            inputSlot = placed!.Position / MessagePositions.Spacing;
        }
        // A response answers its own input: its context ends there, not where the thread is when it starts.
        var ownContext = !run.Response.IsNull ? inputSlot : null;

        // :: Step 4: a debounced call joins the thread's open debounced run of the same assistant.
        if (run.DebounceMs > 0 && await s.Runs.RunDebounceJoinAsync(thread.Id, run.AssistantId, now, run.DebounceMs) is { } joinedId)
        {
            if (ownContext is { } joinedUpTo)
                await s.Runs.RunResponseContextSetAsync(joinedId, joinedUpTo);
            await SettleThreadAsync(s, thread.Id, joinedId);
            return new(await s.Runs.RunGetByIdAsync(joinedId), thread, Joined: true, false, null);
        }

        // :: Step 5: interrupting cancels the active run and puts this one first in line.
        var interrupted = create.OnActive == OnActive.Interrupt ? thread.ActiveRunId : null;
        if (interrupted is not null && await s.Runs.RunGetByIdAsync(interrupted) is { } active)
            await RequestCancelAsync(s, active);

        await s.Runs.RunInsertAsync(run, first: interrupted is not null);
        if (ownContext is { } upTo)
            await s.Runs.RunResponseContextSetAsync(run.Id, upTo);
        var state = await SettleThreadAsync(s, thread.Id, run.Id);

        // :: Step 6: an idle thread's run starts in the transaction that made it. The answer shows it
        // as made (queued), as the hosted API did; the stream and the next read show it running.
        var made = await s.Runs.RunGetByIdAsync(run.Id);
        var claimed = create.Claim is { } claim && state.NextRunAtMs <= now ? await ClaimHeldHeadAsync(s, thread.Id, claim) : null;
        return new(made, thread, false, false, null)
        {
            InterruptedRunId = interrupted,
            Claimed = claimed,
        };
    }
}

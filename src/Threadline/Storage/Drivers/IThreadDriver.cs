using Threadline.Threads;

namespace Threadline.Storage.Drivers;

internal interface IThreadDriver
{
    /// <summary>False when the thread's external id names a thread made meanwhile (by another node): nothing was inserted.</summary>
    ValueTask<bool> ThreadInsertAsync(ConversationThread thread);
    ValueTask<ConversationThread?> ThreadGetAsync(string projectId, string threadId);
    ValueTask<ConversationThread?> ThreadFindByExternalIdAsync(string projectId, string externalId);
    ValueTask<bool> ThreadExistsAsync(string projectId, string threadId);
    ValueTask<bool> ThreadUpdateAsync(ConversationThread thread);

    /// <summary>
    /// The thread, held until the transaction ends, so that a transition reads its runs and queue as
    /// no other writer can change them. Every transition of a run takes it first (docs/storage.md): on
    /// PostgreSQL a row lock; SQLite's single writer holds every thread already.
    /// </summary>
    ValueTask<ConversationThread?> ThreadLockAsync(string projectId, string threadId);

    /// <summary><see cref="ThreadLockAsync"/> by the thread's id, or by a run of it, for the queue's own transitions.</summary>
    ValueTask ThreadHoldAsync(ThreadHold hold);

    /// <summary>Deletes the thread with its messages, runs and steps.</summary>
    ValueTask<bool> ThreadDeleteAsync(string projectId, string threadId);

    ValueTask<Page<ConversationThread>> ThreadListAsync(ThreadFilter filter, PageRequest page);

    /// <summary>
    /// Takes the thread's next message position; null when the thread does not exist. With
    /// <see cref="ThreadSlotTake.OnlyIfIdle"/>, takes nothing from a thread that has runs queued or
    /// active and says which run holds it.
    /// </summary>
    ValueTask<ThreadSlot?> ThreadSlotTakeAsync(ThreadSlotTake take);

    /// <summary>
    /// Recomputes the thread's queue state from its runs: the active run, the number queued, and
    /// when its head may start (null while a run is active or nothing waits). Every transition of a
    /// run ends with this, so claims and deadlines read one indexed column.
    /// </summary>
    ValueTask<ThreadQueueState> ThreadQueueRefreshAsync(string threadId);

    /// <summary>Threads whose head may start at <paramref name="nowMs"/>, longest waiting first.</summary>
    ValueTask<IReadOnlyList<string>> ThreadClaimableListAsync(long nowMs, int max);

    /// <summary>For strict mode: the run that holds the thread as the hosted API saw it (active, else the first queued).</summary>
    ValueTask<string?> ThreadBlockingRunGetAsync(string threadId);
}

/// <summary>The thread to hold: <paramref name="ThreadId"/>, else the thread of <paramref name="RunId"/>.</summary>
internal sealed record ThreadHold(string? ThreadId, string? RunId)
{
    public static ThreadHold OfThread(string threadId) => new(threadId, null);

    public static ThreadHold OfRun(string runId) => new(null, runId);
}

internal sealed record ThreadFilter(string ProjectId, string? ExternalId, IReadOnlyDictionary<string, string> Metadata);

internal sealed record ThreadSlotTake(string ProjectId, string ThreadId, bool OnlyIfIdle);

/// <summary>A taken position, or (<see cref="Position"/> null) the run that keeps an idle-only take out.</summary>
internal sealed record ThreadSlot(long? Position, int QueuedRuns, string? BlockingRunId);

internal sealed record ThreadQueueState(string? ActiveRunId, int QueuedRuns, long? NextRunAtMs);

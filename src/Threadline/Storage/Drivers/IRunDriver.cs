using Threadline.Domain;
using Threadline.Runs;

namespace Threadline.Storage.Drivers;

internal interface IRunDriver
{
    /// <summary>Adds a queued run at the back of its thread's queue, or at the head with <paramref name="first"/>.</summary>
    ValueTask RunInsertAsync(Run run, bool first);

    ValueTask<Run?> RunGetAsync(string projectId, string threadId, string runId);
    ValueTask<Run?> RunGetByIdAsync(string runId);

    /// <summary>
    /// A queued response's context: the thread up to slot <paramref name="slot"/> (its own input, or the
    /// input of the last create that joined it), so that it answers its input and not the inputs of the
    /// responses queued behind it. Runs of the Assistants API keep theirs open until they start.
    /// </summary>
    ValueTask RunResponseContextSetAsync(string runId, long slot);

    /// <summary>Deletes an ended run and its steps (a deleted response); the messages it wrote stay in their thread.</summary>
    ValueTask<bool> RunDeleteEndedAsync(string runId);
    ValueTask<Page<Run>> RunListAsync(string projectId, string threadId, PageRequest page);
    ValueTask<bool> RunMetadataUpdateAsync(string projectId, string threadId, string runId, RawJson metadata);

    /// <summary>
    /// The thread's open debounced run of the assistant (queued, never started): its quiet period
    /// restarts at <paramref name="nowMs"/>, bounded by its maximum wait. Null when there is none.
    /// </summary>
    ValueTask<string?> RunDebounceJoinAsync(string threadId, string assistantId, long nowMs, long debounceMs);

    /// <summary>A user message arrived: the quiet periods of the thread's debounced runs restart. Returns how many moved.</summary>
    ValueTask<int> RunDebounceRestartAsync(string threadId, long nowMs);

    /// <summary>
    /// Claims the head of the thread's queue when it may start now, for a new execution: in progress,
    /// the attempt (fencing token) one higher, the lease until now + lease. Null when the head is not
    /// eligible or another run is active (I1 holds by a unique index whatever this returns).
    /// </summary>
    ValueTask<Run?> RunClaimHeadAsync(RunClaim claim);

    /// <summary>The run while the execution holding <paramref name="attempt"/> still owns it (in progress or cancelling); else null.</summary>
    ValueTask<Run?> RunGetHeldAsync(string runId, int attempt);

    /// <summary>Extends the leases still held by these executions; returns each one held, with its status.</summary>
    ValueTask<IReadOnlyList<HeldLease>> RunLeaseRenewAsync(RunLeaseRenew renew);

    /// <summary>Sets the run's status, for a transition the caller decided is allowed; returns the run as set, or null when the fence (or the run) is gone.</summary>
    ValueTask<Run?> RunStatusSetAsync(RunStatusSet set);

    /// <summary>Back to the queue (the head of it), as it was before it started: an execution lost before it wrote anything.</summary>
    ValueTask<bool> RunRequeueAsync(string runId, int attempt);

    /// <summary>Outputs arrived: the run waits at the head of its thread's queue again, eligible now.</summary>
    ValueTask RunResumeAsync(string runId, long nowMs);

    /// <summary>Runs whose lease lapsed before <paramref name="nowMs"/>.</summary>
    ValueTask<IReadOnlyList<LapsedRun>> RunLapsedListAsync(long nowMs, int max);

    /// <summary>Runs waiting for tool outputs whose <c>expires_at</c> (unix s) is at or before <paramref name="nowSeconds"/>.</summary>
    ValueTask<IReadOnlyList<string>> RunExpiredListAsync(long nowSeconds, int max);

    /// <summary>When the queue next has work, each from an index.</summary>
    ValueTask<QueueDeadlines> RunDeadlinesGetAsync();
}

/// <summary>Claim the head of <paramref name="ThreadId"/>'s queue for <paramref name="Owner"/>.</summary>
internal sealed record RunClaim(string ThreadId, string Owner, long NowMs, long LeaseMs);

internal sealed record RunLeaseRenew(string Owner, long NowMs, long LeaseMs, IReadOnlyList<(string RunId, int Attempt)> Leases);

internal sealed record HeldLease(string RunId, int Attempt, string Status);

/// <summary>
/// A run's new status and what goes with it. <paramref name="Attempt"/>, when given, fences the write:
/// it changes nothing unless that execution still holds the run.
/// </summary>
internal sealed record RunStatusSet(string RunId, string Status, long NowMs)
{
    public int? Attempt { get; init; }

    /// <summary>When given, the write changes nothing unless the run is still in this status.</summary>
    public string? FromStatus { get; init; }

    public RunError? Error { get; init; }
    public string? IncompleteReason { get; init; }
    public Usage? Usage { get; init; }
    public RawJson RequiredAction { get; init; } = RawJson.Null;
    public long? ExpiresAt { get; init; }

    /// <summary>
    /// When the ending execution's first token arrived (unix ms). A write fenced by an attempt (an
    /// execution's own end) sets it, NULL when it got none; an unfenced one (a cancel, an expiry) leaves it.
    /// </summary>
    public long? FirstTokenAtMs { get; init; }
}

/// <summary>An execution whose lease lapsed; what it left is read again once its thread is held (the takeover decides from that).</summary>
internal sealed record LapsedRun(string RunId, int Attempt);

/// <summary>
/// When the scheduler next has work (unix ms): a queue head becoming eligible, a wait for tool outputs
/// expiring, a lease lapsing.
/// </summary>
internal sealed record QueueDeadlines(long? NextEligibleAtMs, long? NextExpiryAtMs, long? NextLeaseLapseAtMs)
{
    public long Earliest => Math.Min(NextEligibleAtMs ?? long.MaxValue, Math.Min(NextExpiryAtMs ?? long.MaxValue, NextLeaseLapseAtMs ?? long.MaxValue));
}

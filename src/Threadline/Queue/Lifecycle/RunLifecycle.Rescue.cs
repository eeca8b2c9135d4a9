using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Queue.Lifecycle;

/// <summary>What a pass over the queue's timeouts did.</summary>
internal sealed record RunRescueResult(int Requeued, int Failed, int Cancelled, int Expired)
{
    public int Total => Requeued + Failed + Cancelled + Expired;
}

internal sealed partial class RunLifecycle
{
    public const string TakenOverMessage =
        "The server executing this run stopped before it finished; the run was taken over after its lease lapsed.";

    public const string ReleasedMessage =
        "The server executing this run shut down before it finished; another server took the run over.";

    /// <summary>
    /// Lapsed leases (I5) and expired waits (I6): a cancelling run ends cancelled; a run that wrote
    /// nothing goes back to the head of its queue; a run that had written output fails with
    /// <c>server_error</c>; a run waiting for tool outputs past <c>expires_at</c> expires.
    /// </summary>
    public async ValueTask<RunRescueResult> RescueAsync(IStoreSession s, int max)
    {
        int requeued = 0, failed = 0, cancelled = 0, expired = 0;
        // The lists are read before the threads are held: each run is read again once its thread is.
        foreach (var lapsed in await s.Runs.RunLapsedListAsync(s.NowMs, max))
        {
            switch (await TakeOverAsync(s, lapsed.RunId, lapsed.Attempt, TakenOverMessage, lapsedBefore: s.NowMs))
            {
                case RunStatus.Queued: requeued++; break;
                case RunStatus.Cancelled: cancelled++; break;
                case RunStatus.Failed: failed++; break;
            }
        }
        foreach (var runId in await s.Runs.RunExpiredListAsync(s.NowMs / 1000, max))
        {
            await s.Threads.ThreadHoldAsync(ThreadHold.OfRun(runId));
            if (await s.Runs.RunGetByIdAsync(runId) is { } run
                && await EndAsync(s, run, RunStatus.Expired, null, null, null, null, fromStatus: RunStatus.RequiresAction) is not null)
                expired++;
        }
        return new RunRescueResult(requeued, failed, cancelled, expired);
    }

    /// <summary>
    /// Gives up this process's hold on a run at shutdown, by the same rule as a lapsed lease, so
    /// another process can take it at once instead of after the lease timeout.
    /// </summary>
    /// <param name="output">The reply the execution had begun and stored, whose text so far (<paramref name="text"/>) is kept.</param>
    public ValueTask<string?> ReleaseAsync(IStoreSession s, string runId, int attempt, RunOutput? output = null, string? text = null) =>
        TakeOverAsync(s, runId, attempt, ReleasedMessage, lapsedBefore: null, output, text);

    /// <summary>
    /// Ends the hold of execution <paramref name="attempt"/> on the run: read as its thread is held, so
    /// that what it wrote meanwhile (from another node) decides. With <paramref name="lapsedBefore"/>,
    /// only while its lease is still lapsed then (a renewal that got in first keeps it).
    /// </summary>
    /// <returns>The status the run was left in, or null when the execution no longer held it.</returns>
    private async ValueTask<string?> TakeOverAsync(IStoreSession s, string runId, int attempt, string failure, long? lapsedBefore,
        RunOutput? output = null, string? text = null)
    {
        await s.Threads.ThreadHoldAsync(ThreadHold.OfRun(runId));
        var held = await s.Runs.RunGetHeldAsync(runId, attempt);
        if (held is null || (lapsedBefore is { } now && held.LeaseExpiresAtMs >= now))
            return null;
        if (held.Status == RunStatus.Cancelling || await s.RunSteps.RunStepExistsForRunAsync(runId))
        {
            var status = held.Status == RunStatus.Cancelling ? RunStatus.Cancelled : RunStatus.Failed;
            return await EndAsync(s, held, status, attempt, new RunError("server_error", failure), null, null, output, text) is not null
                ? status : null;
        }
        if (!await s.Runs.RunRequeueAsync(runId, attempt))
            return null;
        await SettleThreadAsync(s, held.ThreadId, runId);
        return RunStatus.Queued;
    }
}

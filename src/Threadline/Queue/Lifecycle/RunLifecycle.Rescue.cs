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
        foreach (var lapsed in await s.Runs.RunLapsedListAsync(s.NowMs, max))
        {
            switch (await TakeOverAsync(s, lapsed, TakenOverMessage))
            {
                case RunStatus.Queued: requeued++; break;
                case RunStatus.Cancelled: cancelled++; break;
                case RunStatus.Failed: failed++; break;
            }
        }
        foreach (var runId in await s.Runs.RunExpiredListAsync(s.NowMs / 1000, max))
        {
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
    public async ValueTask<string?> ReleaseAsync(IStoreSession s, string runId, int attempt, RunOutput? output = null, string? text = null)
    {
        var held = await s.Runs.RunGetHeldAsync(runId, attempt);
        if (held is null)
            return null;
        var wroteOutput = await s.RunSteps.RunStepExistsForRunAsync(runId);
        return await TakeOverAsync(s, new LapsedRun(runId, held.ThreadId, held.Status, attempt, wroteOutput), ReleasedMessage, output, text);
    }

    /// <returns>The status the run was left in, or null when another execution superseded it meanwhile.</returns>
    private async ValueTask<string?> TakeOverAsync(IStoreSession s, LapsedRun lapsed, string failure, RunOutput? output = null, string? text = null)
    {
        if (lapsed.Status == RunStatus.Cancelling || lapsed.WroteOutput)
        {
            var status = lapsed.Status == RunStatus.Cancelling ? RunStatus.Cancelled : RunStatus.Failed;
            var run = await s.Runs.RunGetByIdAsync(lapsed.RunId);
            return run is not null && await EndAsync(s, run, status, lapsed.Attempt, new RunError("server_error", failure), null, null, output, text) is not null
                ? status : null;
        }
        if (!await s.Runs.RunRequeueAsync(lapsed.RunId, lapsed.Attempt))
            return null;
        await SettleThreadAsync(s, lapsed.ThreadId, lapsed.RunId);
        return RunStatus.Queued;
    }
}

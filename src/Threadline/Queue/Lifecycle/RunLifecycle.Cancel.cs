using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Queue.Lifecycle;

internal sealed record RunCancel(string ProjectId, string ThreadId, string RunId);

/// <summary>The run after the request, or why it could not be cancelled (its status), or null when it does not exist.</summary>
internal sealed record RunCancelResult(Run? Run, string? RefusedStatus);

internal sealed partial class RunLifecycle
{
    public async ValueTask<RunCancelResult> CancelAsync(IStoreSession s, RunCancel cancel)
    {
        if (await s.Threads.ThreadLockAsync(cancel.ProjectId, cancel.ThreadId) is null)
            return new(null, null);
        var run = await s.Runs.RunGetAsync(cancel.ProjectId, cancel.ThreadId, cancel.RunId);
        if (run is null)
            return new(null, null);
        if (run.IsTerminal || run.Status == RunStatus.Cancelling)
            return new(run, run.Status);
        return new(await RequestCancelAsync(s, run), null);
    }

    /// <summary>
    /// A run nobody executes (queued, or waiting for tool outputs) ends at once; an executing run
    /// moves to <c>cancelling</c> and its execution finishes the job (at once in this process, at its
    /// next heartbeat in another).
    /// </summary>
    private async ValueTask<Run> RequestCancelAsync(IStoreSession s, Run run)
    {
        if (run.Status == RunStatus.InProgress)
        {
            var cancelling = await s.Runs.RunStatusSetAsync(new RunStatusSet(run.Id, RunStatus.Cancelling, s.NowMs) { FromStatus = RunStatus.InProgress });
            s.Announce(StoreChange.Run(run.Id));
            return cancelling ?? run;
        }
        return (await EndAsync(s, run, RunStatus.Cancelled, null, null, null, null, fromStatus: run.Status))?.Run ?? run;
    }
}

using Threadline.Storage;
using Threadline.Webhooks;

namespace Threadline.Queue.Lifecycle;

/// <summary>
/// The rules of the run queue and the run lifecycle, written once over the store's drivers (River's
/// split: a dialect only runs SQL). Each method is a transition inside the caller's write
/// transaction; callers compose them (a finishing run claims the next in the same transaction).
/// Every transition ends by refreshing the thread's queue state and announcing what changed.
/// Writes of an execution name the attempt they hold (the fencing token) and change nothing once a
/// newer claim superseded them. See <c>docs/run-states.md</c> for the state machine.
/// </summary>
internal sealed partial class RunLifecycle(Outbox outbox)
{
    /// <summary>After a transition of a run of the thread: new queue state, and who must look again.</summary>
    private static async ValueTask<Storage.Drivers.ThreadQueueState> SettleThreadAsync(IStoreSession s, string threadId, string runId)
    {
        var state = await s.Threads.ThreadQueueRefreshAsync(threadId);
        s.Announce(StoreChange.Queue);
        s.Announce(StoreChange.Run(runId));
        return state;
    }
}

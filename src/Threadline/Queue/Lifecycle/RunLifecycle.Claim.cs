using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Queue.Lifecycle;

internal sealed partial class RunLifecycle
{
    /// <summary>
    /// Claims up to <paramref name="max"/> runs that may start now, longest waiting first: the head of
    /// each idle thread's queue (I1, I2), each for a new execution (its attempt one higher).
    /// </summary>
    public async ValueTask<IReadOnlyList<Run>> ClaimNextAsync(IStoreSession s, ClaimFor claim, int max)
    {
        var claimed = new List<Run>();
        if (max <= 0)
            return claimed;
        foreach (var threadId in await s.Threads.ThreadClaimableListAsync(s.NowMs, max))
            if (await ClaimHeldHeadAsync(s, threadId, claim) is { } run)
                claimed.Add(run);
        return claimed;
    }

    /// <summary>Claims the head of one thread's queue when it may start now.</summary>
    public async ValueTask<Run?> ClaimHeadAsync(IStoreSession s, string threadId, ClaimFor claim)
    {
        await s.Threads.ThreadHoldAsync(ThreadHold.OfThread(threadId));
        return await ClaimHeldHeadAsync(s, threadId, claim);
    }

    /// <summary><see cref="ClaimHeadAsync"/> inside a transition that holds the thread already (a claimable list holds what it lists).</summary>
    private async ValueTask<Run?> ClaimHeldHeadAsync(IStoreSession s, string threadId, ClaimFor claim)
    {
        var run = await s.Runs.RunClaimHeadAsync(new RunClaim(threadId, claim.Owner, s.NowMs, claim.LeaseMs));
        if (run is null)
            return null;
        // A claim makes no other run claimable: streams are told, the scheduler need not look.
        await s.Threads.ThreadQueueRefreshAsync(threadId);
        s.Announce(StoreChange.Run(run.Id));
        return run;
    }

    /// <summary>Renews the leases of this process's executions; returns those still held, with their status.</summary>
    public ValueTask<IReadOnlyList<HeldLease>> RenewLeasesAsync(IStoreSession s, string owner, long leaseMs, IReadOnlyList<(string RunId, int Attempt)> leases) =>
        s.Runs.RunLeaseRenewAsync(new RunLeaseRenew(owner, s.NowMs, leaseMs, leases));
}

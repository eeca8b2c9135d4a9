using Threadline.Messages;
using Threadline.Runs;

namespace Threadline.Storage;

/// <summary>Claim up to <paramref name="Max"/> eligible runs for <paramref name="Owner"/>, each with a lease until now + <paramref name="LeaseMs"/>.</summary>
internal sealed record RunClaim(string Owner, long NowMs, long LeaseMs, int Max);

/// <summary>A run this process now executes, and the thread position it sees (I4).</summary>
internal sealed record ClaimedRun(Run Run, long ContextPosition, int Attempt);

internal sealed record RunLeaseRenew(string RunId, string Owner, long NowMs, long LeaseMs);

/// <summary>
/// How an executed run ends: its status, the reply it wrote (if any), and why it stopped short.
/// The store turns it into <c>cancelled</c> when a cancel arrived meanwhile.
/// </summary>
internal sealed record RunFinish(
    string RunId, string Owner, long NowMs, long ContextPosition, string Status, string? ReplyText,
    RunError? Error, string? IncompleteReason, Usage? Usage);

/// <summary>The run as it ended, with the message it wrote; null run when the lease was lost.</summary>
internal sealed record RunFinishResult(Run? Run, Message? Reply);

/// <summary>Take over runs whose lease lapsed before <paramref name="NowMs"/> (I5).</summary>
internal sealed record RunRescue(long NowMs, string FailureMessage);

internal sealed record RunRescueResult(int Requeued, int Failed, int Cancelled)
{
    public int Total => Requeued + Failed + Cancelled;
}

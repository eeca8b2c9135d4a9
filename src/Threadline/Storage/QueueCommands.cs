using System.Text.Json.Nodes;
using Threadline.Messages;
using Threadline.Runs;

namespace Threadline.Storage;

/// <summary>Claim up to <paramref name="Max"/> eligible runs for <paramref name="Owner"/>, each with a lease until now + <paramref name="LeaseMs"/>.</summary>
internal sealed record RunClaim(string Owner, long NowMs, long LeaseMs, int Max);

/// <summary>The assistant message a run is writing and the <c>message_creation</c> step that holds it.</summary>
internal sealed record RunOutput(Message Message, RunSteps.RunStep Step);

/// <summary>Start the run's reply: an in-progress message placed after the last message the run saw (I4), and its step.</summary>
internal sealed record RunOutputBegin(string RunId, string Owner, long NowMs);

/// <summary>
/// The model asked for tool calls: complete the text written so far, record a <c>tool_calls</c> step,
/// and wait for outputs until <paramref name="ExpiresAt"/> (unix seconds). The lease is released.
/// </summary>
internal sealed record RunRequireAction(
    string RunId, string Owner, long NowMs, RunOutput? Output, string? OutputText, JsonArray ToolCalls, long ExpiresAt, Usage? Usage);

internal sealed record RunRequireActionResult(Run? Run, RunSteps.RunStep? ToolStep, Message? CompletedMessage, RunSteps.RunStep? CompletedStep);

/// <summary>Outputs for every tool call of a run in <c>requires_action</c>; the run goes back to the head of its queue.</summary>
internal sealed record RunToolOutputsSubmit(string ProjectId, string ThreadId, string RunId, IReadOnlyList<KeyValuePair<string, string>> Outputs, long NowMs);

/// <summary>The run after the outputs, or why they were refused (the run's status, or a problem with the outputs).</summary>
internal sealed record RunToolOutputsResult(Run? Run, RunSteps.RunStep? ToolStep, string? RefusedStatus, string? Problem);

/// <summary>When the scheduler next has work: a queue head becoming eligible, a wait for tool outputs expiring (unix ms).</summary>
internal sealed record QueueDeadlines(long? NextEligibleAtMs, long? NextExpiryAtMs);

internal sealed record RunLeaseRenew(string RunId, string Owner, long NowMs, long LeaseMs);

/// <summary>
/// How an executed run ends: its status, the reply it wrote (if any), and why it stopped short.
/// The store turns it into <c>cancelled</c> when a cancel arrived meanwhile.
/// </summary>
internal sealed record RunFinish(
    string RunId, string Owner, long NowMs, string Status, RunOutput? Output, string? ReplyText,
    RunError? Error, string? IncompleteReason, Usage? Usage)
{
    /// <summary>When set, the thread's next run is claimed in the same transaction, with a lease this long.</summary>
    public long? HandoffLeaseMs { get; init; }
}

/// <summary>The run as it ended, with the message and step it finished; null run when the lease was lost.</summary>
internal sealed record RunFinishResult(Run? Run, Message? Reply, RunSteps.RunStep? Step)
{
    /// <summary>The thread's next run, claimed for the same executor (see <see cref="RunFinish.HandoffLeaseMs"/>).</summary>
    public Run? Next { get; init; }
}

/// <summary>Take over runs whose lease lapsed before <paramref name="NowMs"/> (I5).</summary>
internal sealed record RunRescue(long NowMs, string FailureMessage);

internal sealed record RunRescueResult(int Requeued, int Failed, int Cancelled, int Expired)
{
    public int Total => Requeued + Failed + Cancelled + Expired;
}

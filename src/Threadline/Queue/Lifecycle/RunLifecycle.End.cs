using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Queue.Lifecycle;

/// <summary>
/// How an execution ends a run: its status, the reply it wrote (if any), why it stopped short.
/// A cancel that arrived meanwhile turns it into <c>cancelled</c>. With <see cref="Handoff"/>, the
/// next run that may start (the longest waiting, usually this thread's next) is claimed in the same
/// transaction for the same execution slot.
/// </summary>
internal sealed record RunFinish(
    string RunId, int Attempt, string Status, RunOutput? Output, string? ReplyText, RunError? Error, string? IncompleteReason, Usage? Usage)
{
    public ClaimFor? Handoff { get; init; }

    /// <summary>When the execution's first token arrived (unix ms); null when it got none.</summary>
    public long? FirstTokenAtMs { get; init; }

    /// <summary>
    /// The function calls a response's model asked for: a response ends with them as items, where a run
    /// of the Assistants API waits in <c>requires_action</c> (the client answers with a new response).
    /// </summary>
    public IReadOnlyList<ToolCall> Calls { get; init; } = [];

    /// <summary>The reply's start was not stored yet: store it in this transaction, before its end.</summary>
    public bool StoreOutput { get; init; }

    /// <summary>The reply's <c>file_citation</c> annotations, when the run searched files.</summary>
    public IReadOnlyList<Retrieval.FileSearch.FileCitation> Citations { get; init; } = [];
}

/// <summary>The run as it ended, with the message and step it finished; and the run handed to the same slot.</summary>
internal sealed record RunEnded(Run Run, Message? Reply, RunStep? Step)
{
    public Run? Next { get; init; }

    /// <summary>The function call items it ended with (<see cref="RunFinish.Calls"/>), in order.</summary>
    public IReadOnlyList<Message> Calls { get; init; } = [];
}

internal sealed partial class RunLifecycle
{
    /// <returns>Null when the execution no longer holds the run (its claim was superseded): nothing was written.</returns>
    public async ValueTask<RunEnded?> FinishAsync(IStoreSession s, RunFinish f)
    {
        await s.Threads.ThreadHoldAsync(ThreadHold.OfRun(f.RunId));
        var held = await s.Runs.RunGetHeldAsync(f.RunId, f.Attempt);
        if (held is null || (f.StoreOutput && f.Output is { } output && !await OutputBeginHeldAsync(s, output, f.Attempt)))
            return null;
        var status = held.Status == RunStatus.Cancelling ? RunStatus.Cancelled : f.Status;
        var ended = await EndAsync(s, held, status, f.Attempt, f.Error, f.IncompleteReason, f.Usage, f.Output, f.ReplyText, citations: f.Citations,
            firstTokenAtMs: f.FirstTokenAtMs);
        if (ended is not null && status == RunStatus.Completed && f.Calls.Count > 0)
            ended = ended with { Calls = await CallItemsInsertAsync(s, held, f.Calls) };
        if (ended is null || f.Handoff is not { } handoff)
            return ended;
        return ended with { Next = (await ClaimNextAsync(s, handoff, 1)).FirstOrDefault() };
    }

    /// <summary>The calls as items of the run, right after its reply (or where its reply would be: I4).</summary>
    private async ValueTask<IReadOnlyList<Message>> CallItemsInsertAsync(IStoreSession s, Run run, IReadOnlyList<ToolCall> calls)
    {
        var now = s.NowMs / 1000;
        var items = new List<Message>(calls.Count);
        foreach (var call in calls)
        {
            var position = await s.Messages.MessageReplyPositionGetAsync(run.ThreadId, MessagePositions.ContextEnd(run.ContextPosition!.Value));
            var made = FunctionItems.NewCall(call.Id, call.Name, call.Arguments);
            var item = new Message
            {
                Id = Ids.Item(made.Role), ProjectId = run.ProjectId, ThreadId = run.ThreadId, CreatedAt = now, CompletedAt = now,
                Status = MessageStatus.Completed, Role = made.Role, Content = made.Content, AssistantId = run.AssistantId,
                RunId = run.Id, Metadata = RawJson.EmptyObject, Position = position,
            };
            await s.Messages.MessageInsertAsync(item);
            items.Add(item);
        }
        return items;
    }

    /// <summary>
    /// Ends a run in a terminal <paramref name="status"/>: its reply (when an execution wrote one) and
    /// whatever it left open end with it, the thread's queue moves on, and its webhook events are
    /// recorded. Every way a run ends comes through here.
    /// </summary>
    private async ValueTask<RunEnded?> EndAsync(IStoreSession s, Run run, string status, int? attempt, RunError? error,
        string? incompleteReason, Usage? usage, RunOutput? output = null, string? replyText = null, string? fromStatus = null,
        IReadOnlyList<Retrieval.FileSearch.FileCitation>? citations = null, long? firstTokenAtMs = null)
    {
        var now = s.NowMs / 1000;
        var ended = await s.Runs.RunStatusSetAsync(new RunStatusSet(run.Id, status, s.NowMs)
        {
            Attempt = attempt,
            FromStatus = fromStatus,
            Error = status == RunStatus.Failed ? error : null,
            IncompleteReason = status == RunStatus.Incomplete ? incompleteReason : null,
            Usage = usage,
            FirstTokenAtMs = firstTokenAtMs,
        });
        if (ended is null)
            return null;

        var (messageStatus, messageReason) = status switch
        {
            RunStatus.Completed => (MessageStatus.Completed, (string?)null),
            RunStatus.Cancelled => (MessageStatus.Incomplete, "run_cancelled"),
            RunStatus.Failed => (MessageStatus.Incomplete, "run_failed"),
            RunStatus.Expired => (MessageStatus.Incomplete, "run_expired"),
            _ => (MessageStatus.Incomplete, incompleteReason is "max_completion_tokens" ? "max_tokens" : incompleteReason),
        };
        var stepStatus = status is RunStatus.Completed or RunStatus.Incomplete ? RunStepStatus.Completed : status;
        var (reply, step) = output is not null
            ? await OutputEndAsync(s, output, replyText ?? "", messageStatus, messageReason, stepStatus,
                status == RunStatus.Failed ? error : null, now, usage, citations)
            : ((Message?)null, (RunStep?)null);
        // What the run left open (a reply begun by a lost execution, a tool-call step) ends with it; an
        // execution that finished its reply normally left nothing else open.
        if (output is null || status is not (RunStatus.Completed or RunStatus.Incomplete))
        {
            await s.Messages.MessageOpenCloseAsync(run.Id, messageReason ?? "run_failed", now);
            await s.RunSteps.RunStepOpenCloseAsync(run.Id, stepStatus, now);
        }

        await SettleThreadAsync(s, run.ThreadId, run.Id);
        await outbox.RunSettledAsync(s, ended, reply);
        return new RunEnded(ended, reply, step);
    }
}

using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Queue.Lifecycle;

/// <summary>The assistant message an execution is writing and the <c>message_creation</c> step that holds it.</summary>
internal sealed record RunOutput(Message Message, RunStep Step)
{
    /// <summary>Ids and objects minted in memory, so the stream can announce them before they are stored.</summary>
    public static RunOutput Begin(Run run, long nowSeconds)
    {
        var message = new Message
        {
            Id = Ids.Message(), ProjectId = run.ProjectId, ThreadId = run.ThreadId, CreatedAt = nowSeconds,
            Status = MessageStatus.InProgress, Role = MessageRole.Assistant, Content = RawJson.EmptyArray,
            AssistantId = run.AssistantId, RunId = run.Id, Attachments = RawJson.EmptyArray, Metadata = RawJson.EmptyObject,
        };
        var step = RunLifecycle.NewStep(run, nowSeconds, RunStepType.MessageCreation,
            RawJson.Trusted("{\"type\":\"message_creation\",\"message_creation\":{\"message_id\":\"" + message.Id + "\"}}"));
        return new RunOutput(message, step);
    }
}

internal sealed partial class RunLifecycle
{
    /// <summary>
    /// Stores the start of the reply: an in-progress message placed right after the last message the
    /// run saw (I4), and its step. False when the execution no longer holds the run.
    /// </summary>
    public async ValueTask<bool> OutputBeginAsync(IStoreSession s, RunOutput output, int attempt)
    {
        await s.Threads.ThreadHoldAsync(ThreadHold.OfRun(output.Message.RunId!));
        return await OutputBeginHeldAsync(s, output, attempt);
    }

    /// <summary><see cref="OutputBeginAsync"/> inside a transition that holds the run's thread already.</summary>
    private async ValueTask<bool> OutputBeginHeldAsync(IStoreSession s, RunOutput output, int attempt)
    {
        var run = await s.Runs.RunGetHeldAsync(output.Message.RunId!, attempt);
        if (run is null)
            return false;
        var position = await s.Messages.MessageReplyPositionGetAsync(run.ThreadId, MessagePositions.ContextEnd(run.ContextPosition!.Value));
        await s.Messages.MessageInsertAsync(output.Message with { Position = position });
        await s.RunSteps.RunStepInsertAsync(output.Step);
        s.Announce(StoreChange.Run(run.Id));
        return true;
    }

    public static RunStep NewStep(Run run, long nowSeconds, string type, RawJson details) => new()
    {
        Id = Ids.Step(), ProjectId = run.ProjectId, ThreadId = run.ThreadId, RunId = run.Id, AssistantId = run.AssistantId,
        Type = type, Status = RunStepStatus.InProgress, StepDetails = details, CreatedAt = nowSeconds, Metadata = RawJson.EmptyObject,
    };

    /// <summary>Writes the reply's final text and status, and its step's.</summary>
    private static async ValueTask<(Message Message, RunStep Step)> OutputEndAsync(IStoreSession s, RunOutput output, string text,
        string messageStatus, string? reason, string stepStatus, RunError? error, long now, Usage? usage,
        IReadOnlyList<Retrieval.FileSearch.FileCitation>? citations = null)
    {
        var message = output.Message with
        {
            Content = MessageContent.FromText(text, citations),
            Status = messageStatus,
            IncompleteReason = reason,
            CompletedAt = messageStatus == MessageStatus.Completed ? now : null,
            IncompleteAt = messageStatus == MessageStatus.Incomplete ? now : null,
        };
        await s.Messages.MessageEndAsync(new Storage.Drivers.MessageEnd(message.Id, message.Content, message.Status,
            message.IncompleteReason, message.CompletedAt, message.IncompleteAt));
        await s.RunSteps.RunStepEndAsync(new Storage.Drivers.RunStepEnd(output.Step.Id, stepStatus, error, now, usage));
        var step = output.Step with
        {
            Status = stepStatus,
            LastError = error,
            CompletedAt = stepStatus == RunStepStatus.Completed ? now : null,
            CancelledAt = stepStatus == RunStepStatus.Cancelled ? now : null,
            FailedAt = stepStatus == RunStepStatus.Failed ? now : null,
            ExpiredAt = stepStatus == RunStepStatus.Expired ? now : null,
            Usage = usage,
        };
        return (message, step);
    }

    /// <summary>
    /// Records tools Threadline ran itself during the execution (file_search) as a completed
    /// <c>tool_calls</c> step; null when the execution no longer holds the run.
    /// </summary>
    public async ValueTask<RunStep?> ServerToolStepAsync(IStoreSession s, string runId, int attempt, RawJson details)
    {
        var run = await s.Runs.RunGetHeldAsync(runId, attempt);
        if (run is null)
            return null;
        var now = s.NowMs / 1000;
        var step = NewStep(run, now, RunStepType.ToolCalls, details) with { Status = RunStepStatus.Completed, CompletedAt = now };
        await s.RunSteps.RunStepInsertAsync(step);
        s.Announce(StoreChange.Run(run.Id));
        return step;
    }
}

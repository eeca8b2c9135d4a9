namespace Threadline.Streaming;

/// <summary>One server-sent event of a run: its name (<c>thread.run.completed</c>, ...) and its wire object.</summary>
internal sealed record RunEvent(string Name, object Data)
{
    public bool EndsStream => Name is RunEventNames.RequiresAction or RunEventNames.Completed or RunEventNames.Failed
        or RunEventNames.Cancelled or RunEventNames.Expired or RunEventNames.Incomplete;
}

internal static class RunEventNames
{
    public const string ThreadCreated = "thread.created";
    public const string Created = "thread.run.created";
    public const string Queued = "thread.run.queued";
    public const string InProgress = "thread.run.in_progress";
    public const string RequiresAction = "thread.run.requires_action";
    public const string Completed = "thread.run.completed";
    public const string Incomplete = "thread.run.incomplete";
    public const string Failed = "thread.run.failed";
    public const string Cancelling = "thread.run.cancelling";
    public const string Cancelled = "thread.run.cancelled";
    public const string Expired = "thread.run.expired";
    public const string StepCreated = "thread.run.step.created";
    public const string StepInProgress = "thread.run.step.in_progress";
    public const string StepDelta = "thread.run.step.delta";
    public const string StepCompleted = "thread.run.step.completed";
    public const string StepFailed = "thread.run.step.failed";
    public const string StepCancelled = "thread.run.step.cancelled";
    public const string StepExpired = "thread.run.step.expired";
    public const string MessageCreated = "thread.message.created";
    public const string MessageInProgress = "thread.message.in_progress";
    public const string MessageDelta = "thread.message.delta";
    public const string MessageCompleted = "thread.message.completed";
    public const string MessageIncomplete = "thread.message.incomplete";

    /// <summary>The event that announces a run entering <paramref name="status"/>.</summary>
    public static string ForRunStatus(string status) => "thread.run." + status;

    public static string ForStepStatus(string status) => "thread.run.step." + status;

    public static string ForMessageStatus(string status) => "thread.message." + status;
}

using Threadline.Domain;
using Threadline.Runs;

namespace Threadline.RunSteps;

/// <summary>A step of a run: a message it wrote (<c>message_creation</c>) or tools it called (<c>tool_calls</c>).</summary>
internal sealed record RunStep
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required string ThreadId { get; init; }
    public required string RunId { get; init; }
    public required string AssistantId { get; init; }
    public required string Type { get; init; }
    public required string Status { get; init; }
    public required RawJson StepDetails { get; init; }
    public RunError? LastError { get; init; }
    public required long CreatedAt { get; init; }
    public long? ExpiredAt { get; init; }
    public long? CancelledAt { get; init; }
    public long? FailedAt { get; init; }
    public long? CompletedAt { get; init; }
    public RawJson Metadata { get; init; } = RawJson.EmptyObject;
    public Usage? Usage { get; init; }
}

internal static class RunStepType
{
    public const string MessageCreation = "message_creation";
    public const string ToolCalls = "tool_calls";
}

internal static class RunStepStatus
{
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";
    public const string Expired = "expired";
}

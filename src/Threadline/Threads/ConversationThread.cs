using Threadline.Domain;

namespace Threadline.Threads;

/// <summary>A thread of messages, with the state of its run queue as the database keeps it.</summary>
internal sealed record ConversationThread
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required long CreatedAt { get; init; }
    public string? ExternalId { get; init; }
    public RawJson ToolResources { get; init; } = RawJson.Null;
    public required RawJson Metadata { get; init; }

    /// <summary>The run that is in progress, requires action or is cancelling, if any.</summary>
    public string? ActiveRunId { get; init; }

    /// <summary>How many runs are queued behind it.</summary>
    public int QueuedRunCount { get; init; }
}

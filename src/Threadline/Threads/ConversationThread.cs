using System.Text.Json.Nodes;

namespace Threadline.Threads;

/// <summary>A thread of messages. The queue fields are derived from its runs when it is read.</summary>
internal sealed record ConversationThread
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required long CreatedAt { get; init; }
    public string? ExternalId { get; init; }
    public JsonObject? ToolResources { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>The run that is in progress, requires action or is cancelling, if any.</summary>
    public string? ActiveRunId { get; init; }

    /// <summary>How many runs are queued behind it.</summary>
    public int QueuedRunCount { get; init; }
}

using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Threadline.Domain;
using Threadline.Messages;

namespace Threadline.Threads;

/// <summary>
/// The <c>thread</c> object on the wire, with Threadline's extension fields: the external id and
/// the state of the thread's run queue.
/// </summary>
internal sealed record ThreadObject(
    string Id, long CreatedAt, RawJson ToolResources, RawJson Metadata, string? ExternalId, string? ActiveRunId, int QueuedRunCount)
{
    [JsonPropertyOrder(-1)] public string Object => "thread";

    public static ThreadObject From(ConversationThread t) =>
        new(t.Id, t.CreatedAt, t.ToolResources, t.Metadata, t.ExternalId, t.ActiveRunId, t.QueuedRunCount);
}

/// <summary>Body of create thread, and <c>thread</c> in create thread and run.</summary>
internal sealed class ThreadRequest
{
    public List<MessageRequest?>? Messages { get; init; }
    public JsonObject? ToolResources { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public string? ExternalId { get; init; }
}

internal sealed class ThreadModifyRequest
{
    public JsonObject? ToolResources { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
}

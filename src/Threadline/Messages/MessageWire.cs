using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Threadline.Domain;

namespace Threadline.Messages;

/// <summary>The <c>thread.message</c> object on the wire.</summary>
internal sealed record MessageObject(
    string Id, long CreatedAt, string ThreadId, string Status, IncompleteDetails? IncompleteDetails,
    long? CompletedAt, long? IncompleteAt, string Role, RawJson Content, string? AssistantId, string? RunId,
    RawJson Attachments, RawJson Metadata)
{
    [JsonPropertyOrder(-1)] public string Object => "thread.message";

    public static MessageObject From(Message m) => new(
        m.Id, m.CreatedAt, m.ThreadId, m.Status, m.IncompleteReason is { } r ? new IncompleteDetails(r) : null,
        m.CompletedAt, m.IncompleteAt, m.Role, m.Content, m.AssistantId, m.RunId,
        m.Attachments.IsNull ? RawJson.EmptyArray : m.Attachments, m.Metadata);
}

internal sealed record IncompleteDetails(string Reason);

/// <summary>Body of create message, and of each message in create thread and <c>additional_messages</c>.</summary>
internal sealed class MessageRequest
{
    public string? Role { get; init; }
    public JsonNode? Content { get; init; }
    public JsonArray? Attachments { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
}

internal sealed class MetadataRequest
{
    public Dictionary<string, string>? Metadata { get; init; }
}

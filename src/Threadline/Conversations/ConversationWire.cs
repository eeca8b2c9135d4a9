using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Threadline.Domain;
using Threadline.Threads;

namespace Threadline.Conversations;

/// <summary>The <c>conversation</c> object: a thread, as the Conversations API shows it.</summary>
internal sealed record ConversationObject(string Id, long CreatedAt, RawJson Metadata)
{
    [JsonPropertyOrder(-1)] public string Object => "conversation";

    public static ConversationObject From(ConversationThread t) => new(t.Id, t.CreatedAt, t.Metadata);
}

/// <summary>
/// A conversation item of type <c>message</c>: a thread's message, its parts in the Responses API's
/// form (<see cref="ConversationItems.Content"/>).
/// </summary>
internal sealed record ConversationMessageItem(string Id, string Status, string Role, RawJson Content)
{
    [JsonPropertyOrder(-1)] public string Type => "message";
}

/// <summary>Body of create conversation: up to 20 first items, and metadata.</summary>
internal sealed class ConversationRequest
{
    public List<JsonNode?>? Items { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>Body of update conversation.</summary>
internal sealed class ConversationUpdateRequest
{
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>Body of create items.</summary>
internal sealed class ConversationItemsRequest
{
    public List<JsonNode?>? Items { get; init; }
}

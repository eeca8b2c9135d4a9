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

/// <summary>A conversation item on the wire, its <c>type</c> first: a message, a function call, or a call's output.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ConversationMessageItem), "message")]
[JsonDerivedType(typeof(FunctionCallItem), "function_call")]
[JsonDerivedType(typeof(FunctionCallOutputItem), "function_call_output")]
internal abstract record ConversationItem(string Id);

/// <summary>A thread's message, its parts in the Responses API's form (<see cref="ConversationItems.Content"/>).</summary>
internal sealed record ConversationMessageItem(string Id, string Status, string Role, RawJson Content) : ConversationItem(Id);

/// <summary>A function call the model made: the client runs it and sends a <c>function_call_output</c> with its <c>call_id</c>.</summary>
internal sealed record FunctionCallItem(string Id, string Status, string CallId, string Name, string Arguments) : ConversationItem(Id);

internal sealed record FunctionCallOutputItem(string Id, string Status, string CallId, string Output) : ConversationItem(Id);

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

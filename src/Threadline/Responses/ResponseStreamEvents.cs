using Threadline.Conversations;
using Threadline.Domain;

namespace Threadline.Responses;

/// <summary>A stream event of the Responses API (ResponseStreamEvent in the spec): its <c>type</c> is its SSE event name.</summary>
internal interface IResponseStreamEvent
{
    string Type { get; }
}

/// <summary><c>response.created</c>, <c>.queued</c>, <c>.in_progress</c>, <c>.completed</c>, <c>.incomplete</c>, <c>.failed</c>.</summary>
internal sealed record ResponseLifecycleEvent(string Type, ResponseObject Response, int SequenceNumber) : IResponseStreamEvent;

/// <summary><c>response.output_item.added</c> and <c>.done</c>.</summary>
internal sealed record ResponseOutputItemEvent(string Type, int OutputIndex, ConversationItem Item, int SequenceNumber) : IResponseStreamEvent;

/// <summary><c>response.content_part.added</c> and <c>.done</c>.</summary>
internal sealed record ResponseContentPartEvent(string Type, string ItemId, int OutputIndex, int ContentIndex, RawJson Part, int SequenceNumber) : IResponseStreamEvent;

/// <summary><c>response.output_text.delta</c>.</summary>
internal sealed record ResponseTextDeltaEvent(string Type, string ItemId, int OutputIndex, int ContentIndex, string Delta, RawJson Logprobs, int SequenceNumber) : IResponseStreamEvent;

/// <summary><c>response.output_text.done</c>.</summary>
internal sealed record ResponseTextDoneEvent(string Type, string ItemId, int OutputIndex, int ContentIndex, string Text, RawJson Logprobs, int SequenceNumber) : IResponseStreamEvent;

/// <summary>
/// <c>response.function_call_arguments.delta</c> (without <c>name</c>) and <c>.done</c> (with it): a call's
/// arguments come whole from the run, so one delta carries them all.
/// </summary>
internal sealed record ResponseFunctionCallArgumentsEvent(string Type, string ItemId, int OutputIndex,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Delta,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Arguments,
    int SequenceNumber) : IResponseStreamEvent;

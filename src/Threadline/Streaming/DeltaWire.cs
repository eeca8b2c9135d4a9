using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Threadline.Messages;

namespace Threadline.Streaming;

/// <summary><c>thread.message.delta</c>: a piece of text appended to a message's content part.</summary>
internal sealed record MessageDeltaObject(string Id, MessageDeltaBody Delta)
{
    [JsonPropertyOrder(-1)] public string Object => "thread.message.delta";

    public static MessageDeltaObject Text(string messageId, string text) =>
        new(messageId, new MessageDeltaBody([MessageContentDelta(text)]));

    private static JsonObject MessageContentDelta(string text) => new()
    {
        ["index"] = 0,
        ["type"] = "text",
        ["text"] = new JsonObject { ["value"] = text, ["annotations"] = new JsonArray() },
    };
}

internal sealed record MessageDeltaBody(JsonArray Content);

/// <summary><c>thread.run.step.delta</c>: tool calls as they are known.</summary>
internal sealed record RunStepDeltaObject(string Id, RunStepDeltaBody Delta)
{
    [JsonPropertyOrder(-1)] public string Object => "thread.run.step.delta";
}

internal sealed record RunStepDeltaBody(JsonObject StepDetails);

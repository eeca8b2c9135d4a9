using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Domain;

namespace Threadline.Messages;

/// <summary>
/// The stored content of the two item kinds that are not messages (<see cref="MessageRole.FunctionCall"/>,
/// <see cref="MessageRole.FunctionCallOutput"/>): one part each, <c>[{"type":"function_call","call_id","name","arguments"}]</c>
/// and <c>[{"type":"function_call_output","call_id","output"}]</c>, so that a message row holds either.
/// </summary>
internal static class FunctionItems
{
    public static NewMessage NewCall(string callId, string name, string arguments) => new(MessageRole.FunctionCall,
        RawJson.From(new JsonArray(new JsonObject { ["type"] = "function_call", ["call_id"] = callId, ["name"] = name, ["arguments"] = arguments })),
        RawJson.EmptyArray, RawJson.EmptyObject);

    public static NewMessage NewOutput(string callId, string output) => new(MessageRole.FunctionCallOutput,
        RawJson.From(new JsonArray(new JsonObject { ["type"] = "function_call_output", ["call_id"] = callId, ["output"] = output })),
        RawJson.EmptyArray, RawJson.EmptyObject);

    public static (string CallId, string Name, string Arguments) Call(RawJson content)
    {
        var part = Part(content);
        return ((string?)part["call_id"] ?? "", (string?)part["name"] ?? "", (string?)part["arguments"] ?? "");
    }

    public static (string CallId, string Output) Output(RawJson content)
    {
        var part = Part(content);
        return ((string?)part["call_id"] ?? "", (string?)part["output"] ?? "");
    }

    private static JsonObject Part(RawJson content) =>
        JsonNode.Parse(content.Text) is JsonArray { Count: > 0 } parts && parts[0] is JsonObject part ? part : [];
}

using System.Text.Json.Nodes;
using Threadline.Domain;

namespace Threadline.Responses;

/// <summary>
/// What a response shows that its run does not hold: the conversation it was made on (null for a response
/// on a thread of its own), the response it follows, whether it ran in the background, <c>store</c>, and
/// <c>text</c>, <c>tools</c> and <c>tool_choice</c> as given, and the ids of its input items. Kept in
/// <see cref="Runs.Run.Response"/>, which the run lifecycle never reads.
/// </summary>
internal sealed record ResponseFields(string? Conversation, string? PreviousResponseId, bool Background, bool Store, RawJson Text,
    RawJson Tools, RawJson ToolChoice, IReadOnlyList<string> InputIds)
{
    public static readonly RawJson DefaultText = RawJson.Trusted("""{"format":{"type":"text"}}""");

    public RawJson ToJson() => RawJson.From(new JsonObject
    {
        ["conversation"] = Conversation,
        ["previous_response_id"] = PreviousResponseId,
        ["background"] = Background,
        ["store"] = Store,
        ["text"] = JsonNode.Parse(Text.Text),
        ["tools"] = JsonNode.Parse(Tools.Text),
        ["tool_choice"] = JsonNode.Parse(ToolChoice.Text),
        ["input_ids"] = new JsonArray([.. InputIds.Select(id => JsonValue.Create(id))]),
    });

    public static ResponseFields Parse(RawJson stored)
    {
        var o = JsonNode.Parse(stored.Text)!.AsObject();
        return new ResponseFields((string?)o["conversation"], (string?)o["previous_response_id"], (bool?)o["background"] ?? false,
            (bool?)o["store"] ?? true, o["text"] is { } text ? RawJson.From(text) : DefaultText,
            o["tools"] is { } tools ? RawJson.From(tools) : RawJson.EmptyArray,
            o["tool_choice"] is { } choice ? RawJson.From(choice) : RawJson.From(JsonValue.Create("auto")),
            o["input_ids"] is JsonArray ids ? [.. ids.Select(id => (string)id!)] : []);
    }
}

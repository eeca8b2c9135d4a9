using System.Text.Json.Nodes;
using Threadline.Domain;

namespace Threadline.Responses;

/// <summary>
/// What a response shows that its run does not hold: the conversation it was made on (null for a response
/// on a thread of its own), the response it follows, whether it ran in the background, <c>store</c>, and
/// <c>text</c> as given. Kept in <see cref="Runs.Run.Response"/>, which the run lifecycle never reads.
/// </summary>
internal sealed record ResponseFields(string? Conversation, string? PreviousResponseId, bool Background, bool Store, RawJson Text)
{
    public static readonly RawJson DefaultText = RawJson.Trusted("""{"format":{"type":"text"}}""");

    public RawJson ToJson() => RawJson.From(new JsonObject
    {
        ["conversation"] = Conversation,
        ["previous_response_id"] = PreviousResponseId,
        ["background"] = Background,
        ["store"] = Store,
        ["text"] = JsonNode.Parse(Text.Text),
    });

    public static ResponseFields Parse(RawJson stored)
    {
        var o = JsonNode.Parse(stored.Text)!.AsObject();
        return new ResponseFields((string?)o["conversation"], (string?)o["previous_response_id"], (bool?)o["background"] ?? false,
            (bool?)o["store"] ?? true, o["text"] is { } text ? RawJson.From(text) : DefaultText);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Threadline.Storage;

/// <summary>JSON-valued fields as stored in text columns.</summary>
internal static class JsonColumns
{
    public static string? Write(JsonNode? node) => node?.ToJsonString();

    public static string Write(IReadOnlyDictionary<string, string> metadata) => JsonSerializer.Serialize(metadata);

    public static JsonNode? ReadNode(string? text) => text is null ? null : JsonNode.Parse(text);

    public static JsonArray ReadArray(string? text) => text is null ? [] : (JsonArray)JsonNode.Parse(text)!;

    public static JsonObject? ReadObject(string? text) => text is null ? null : (JsonObject)JsonNode.Parse(text)!;

    public static IReadOnlyDictionary<string, string> ReadMetadata(string? text) =>
        text is null ? Domain.Metadata.Empty : JsonSerializer.Deserialize<Dictionary<string, string>>(text) ?? [];
}

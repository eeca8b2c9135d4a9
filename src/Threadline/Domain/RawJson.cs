using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Threadline.Domain;

/// <summary>
/// A JSON value kept as the text it was stored as: tool definitions, message content, metadata,
/// step details. It is validated once on the way in and written out verbatim on every read, never
/// parsed into a tree and serialized again; only the executor parses what it needs.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
internal readonly record struct RawJson
{
    private readonly string? _text;

    private RawJson(string text) => _text = text;

    /// <summary>The JSON text; <c>null</c> for the default value.</summary>
    public string Text => _text ?? "null";

    public bool IsNull => _text is null or "null";

    public static readonly RawJson Null = new("null");
    public static readonly RawJson EmptyArray = new("[]");
    public static readonly RawJson EmptyObject = new("{}");

    /// <summary>Text that is known to be valid JSON (it came from the database or from a serializer).</summary>
    public static RawJson Trusted(string text) => new(text);

    /// <summary>A node validated by the caller, written with the wire's escaping.</summary>
    public static RawJson From(JsonNode? node) => node is null ? Null : new(node.ToJsonString(WireEscaping.Options));

    public static RawJson From(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is null ? EmptyObject : new(JsonSerializer.Serialize(metadata, WireEscaping.Context.IReadOnlyDictionaryStringString));

    public static RawJson String(string value) => new(JsonSerializer.Serialize(value, WireEscaping.Context.String));

    /// <summary>A tree to read from (the executor's view of a run's settings).</summary>
    public JsonNode? ToNode() => IsNull ? null : JsonNode.Parse(Text);

    public override string ToString() => Text;
}

/// <summary>Reads any JSON value as its text, and writes the text back untouched.</summary>
internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override bool HandleNull => true;

    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return RawJson.Trusted(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Text, skipInputValidation: true);
}

/// <summary>The escaping of the wire (non-ASCII kept as is), for JSON made outside the serializer context.</summary>
internal static class WireEscaping
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly RawJsonContext Context = new(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class RawJsonContext : JsonSerializerContext;

using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Domain;
using Threadline.Messages;

namespace Threadline.Conversations;

/// <summary>
/// Conversation items and thread messages, one stored form: an input message item becomes a message
/// (<c>input_text</c> and <c>output_text</c> as text parts, <c>input_image</c> as <c>image_url</c> or
/// <c>image_file</c>), and a message reads back as an item with the Responses API's parts, so that
/// either API reads what the other wrote. Function calls and their outputs are items of their own
/// kinds (<see cref="FunctionItems"/>), which only this API shows.
/// </summary>
internal static class ConversationItems
{
    public const int MaxPerCall = 20;

    private static readonly string[] Roles = [MessageRole.User, MessageRole.Assistant, MessageRole.System, MessageRole.Developer];
    private static readonly JsonWriterOptions Writing = new() { Encoder = WireEscaping.Options.Encoder };

    /// <summary>Validates up to <paramref name="max"/> input items into messages, in order.</summary>
    public static IReadOnlyList<NewMessage> Read(List<JsonNode?>? items, string param, bool required, int max = MaxPerCall)
    {
        if (items is null)
            return required ? throw ApiException.Invalid($"Missing required parameter: '{param}'.", param, "missing_required_parameter") : [];
        if (items.Count > max)
            throw ApiException.Invalid($"Invalid '{param}': array too long. Expected an array with maximum length {max}, but got an array with length {items.Count} instead.",
                param, "array_above_max_length");
        if (required && items.Count == 0)
            throw ApiException.Invalid($"Invalid '{param}': empty array. Expected an array with minimum length 1, but got an empty array instead.", param, "empty_array");
        return items.Select((item, i) => ReadOne(item, $"{param}[{i}]")).ToList();
    }

    private static NewMessage ReadOne(JsonNode? node, string param)
    {
        if (node is not JsonObject item)
            throw ApiException.Invalid($"Invalid type for '{param}': expected an object.", param, "invalid_type");
        var type = StringOf(item, "type") ?? "message";
        switch (type)
        {
            case "message":
                Known(item, param, "role", "content");
                var role = Validate.Required(StringOf(item, "role"), $"{param}.role");
                Validate.OneOf(role, $"{param}.role", Roles);
                return new NewMessage(role, MessageRequests.Content(item["content"], $"{param}.content", Part), RawJson.Null, RawJson.EmptyObject);
            case "function_call":
                Known(item, param, "call_id", "name", "arguments");
                return FunctionItems.NewCall(Required(item, "call_id", param), Required(item, "name", param), Required(item, "arguments", param));
            case "function_call_output":
                Known(item, param, "call_id", "output");
                var output = item["output"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
                    : item.ContainsKey("output")
                        ? throw ApiException.Invalid($"Invalid type for '{param}.output': Threadline takes a string output.", $"{param}.output", "invalid_type")
                        : throw ApiException.Invalid($"Missing required parameter: '{param}.output'.", $"{param}.output", "missing_required_parameter");
                Validate.MaxLength(output, MaxOutputLength, $"{param}.output");
                return FunctionItems.NewOutput(Required(item, "call_id", param), output);
            default:
                throw ApiException.Invalid($"Invalid value: '{type}'. Supported values are: 'message', 'function_call' and 'function_call_output'.", $"{param}.type", "invalid_value");
        }
    }

    /// <summary>A function call's output, as the hosted API bounds it (10 MB).</summary>
    private const int MaxOutputLength = 10 * 1024 * 1024;

    /// <summary>Refuses what an item of its type does not have; <c>type</c>, <c>id</c> and <c>status</c> every item may carry.</summary>
    private static void Known(JsonObject item, string param, params string[] fields)
    {
        foreach (var (key, _) in item)
            if (key is not ("type" or "status" or "id") && !fields.Contains(key))
                throw ApiException.Invalid($"Unrecognized request argument supplied: {param}.{key}", $"{param}.{key}", "unknown_parameter");
    }

    private static string Required(JsonObject item, string field, string param) =>
        Validate.NonEmpty(Validate.Required(StringOf(item, field), $"{param}.{field}"), $"{param}.{field}");

    private static JsonObject Part(JsonNode? node, string param)
    {
        if (node is not JsonObject part)
            throw ApiException.Invalid($"Invalid type for '{param}': expected an object.", param, "invalid_type");
        switch (StringOf(part, "type"))
        {
            case "input_text" or "output_text":
                return TextPart(Validate.Required(StringOf(part, "text"), $"{param}.text"));
            case "refusal":
                return TextPart(Validate.Required(StringOf(part, "refusal"), $"{param}.refusal"));
            case "input_image":
                var detail = StringOf(part, "detail") ?? "auto";
                Validate.OneOf(detail, $"{param}.detail", "auto", "low", "high");
                if (StringOf(part, "image_url") is { } url)
                    return new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url, ["detail"] = detail } };
                if (StringOf(part, "file_id") is { } file)
                    return new JsonObject { ["type"] = "image_file", ["image_file"] = new JsonObject { ["file_id"] = file, ["detail"] = detail } };
                throw ApiException.Invalid($"Missing required parameter: '{param}.image_url' or '{param}.file_id'.", $"{param}.image_url", "missing_required_parameter");
            case null:
                throw ApiException.Invalid($"Missing required parameter: '{param}.type'.", $"{param}.type", "missing_required_parameter");
            case var other:
                throw ApiException.Invalid($"Invalid value: '{other}'. Supported values are: 'input_text', 'output_text', 'refusal' and 'input_image'.", $"{param}.type", "invalid_value");
        }
    }

    private static JsonObject TextPart(string text) =>
        new() { ["type"] = "text", ["text"] = new JsonObject { ["value"] = text, ["annotations"] = new JsonArray() } };

    private static string? StringOf(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static ConversationItem Item(Message m)
    {
        switch (m.Role)
        {
            case MessageRole.FunctionCall:
                var (callId, name, arguments) = FunctionItems.Call(m.Content);
                return new FunctionCallItem(m.Id, m.Status, callId, name, arguments);
            case MessageRole.FunctionCallOutput:
                var (outputOf, output) = FunctionItems.Output(m.Content);
                return new FunctionCallOutputItem(m.Id, m.Status, outputOf, output);
            default:
                return new ConversationMessageItem(m.Id, m.Status, m.Role, Content(m.Content, m.Role));
        }
    }

    /// <summary>Stored parts in the Responses API's form: the assistant's text as <c>output_text</c>, everyone else's as <c>input_text</c>.</summary>
    public static RawJson Content(RawJson stored, string role)
    {
        var buffer = new ArrayBufferWriter<byte>(stored.Text.Length + 64);
        using (var document = JsonDocument.Parse(stored.Text))
        using (var w = new Utf8JsonWriter(buffer, Writing))
        {
            w.WriteStartArray();
            if (document.RootElement.ValueKind == JsonValueKind.Array)
                foreach (var part in document.RootElement.EnumerateArray())
                    WritePart(w, part, role);
            w.WriteEndArray();
        }
        return RawJson.Trusted(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WritePart(Utf8JsonWriter w, JsonElement part, string role)
    {
        var type = part.TryGetProperty("type", out var t) ? t.GetString() : null;
        w.WriteStartObject();
        switch (type)
        {
            case "text" when role == MessageRole.Assistant:
                w.WriteString("type", "output_text");
                w.WriteString("text", part.GetProperty("text").GetProperty("value").GetString());
                w.WriteStartArray("annotations");
                w.WriteEndArray();
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
                break;
            case "text":
                w.WriteString("type", "input_text");
                w.WriteString("text", part.GetProperty("text").GetProperty("value").GetString());
                break;
            case "image_url" or "image_file":
                var image = part.GetProperty(type);
                w.WriteString("type", "input_image");
                w.WriteString("detail", image.TryGetProperty("detail", out var d) ? d.GetString() : "auto");
                w.WriteString("file_id", type == "image_file" ? image.GetProperty("file_id").GetString() : null);
                w.WriteString("image_url", type == "image_url" ? image.GetProperty("url").GetString() : null);
                break;
            default:
                // A part no surface writes today: kept as stored rather than dropped.
                foreach (var property in part.EnumerateObject())
                    property.WriteTo(w);
                break;
        }
        w.WriteEndObject();
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;

namespace Threadline.Messages;

/// <summary>
/// Turns request content (a string, or an array of text, image_url and image_file parts) into the
/// stored parts: text becomes <c>{"type":"text","text":{"value","annotations":[]}}</c>, images are kept.
/// </summary>
internal static class MessageContent
{
    public static JsonArray FromText(string text) => [Text(text)];

    public static JsonObject Text(string text) => new()
    {
        ["type"] = "text",
        ["text"] = new JsonObject { ["value"] = text, ["annotations"] = new JsonArray() },
    };

    public static JsonArray FromRequest(JsonNode? content, string param)
    {
        switch (content)
        {
            case null:
                throw ApiException.Invalid($"Missing required parameter: '{param}'.", param, "missing_required_parameter");
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return FromText(v.GetValue<string>());
            case JsonArray parts when parts.Count > 0:
                var stored = new JsonArray();
                for (var i = 0; i < parts.Count; i++)
                    stored.Add(Part(parts[i], $"{param}[{i}]"));
                return stored;
            case JsonArray:
                throw ApiException.Invalid($"Invalid '{param}': empty array. Expected an array with minimum length 1, but got an empty array instead.", param, "empty_array");
            default:
                throw ApiException.Invalid($"Invalid type for '{param}': expected one of a string or an array of objects.", param, "invalid_type");
        }
    }

    private static JsonObject Part(JsonNode? node, string param)
    {
        if (node is not JsonObject part)
            throw ApiException.Invalid($"Invalid type for '{param}': expected an object.", param, "invalid_type");
        var type = part["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        switch (type)
        {
            case "text":
                Only(part, param, "type", "text");
                if (part["text"] is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
                    throw ApiException.Invalid($"Invalid type for '{param}.text': expected a string.", $"{param}.text", "invalid_type");
                return Text(text.GetValue<string>());
            case "image_url":
                Only(part, param, "type", "image_url");
                return Image(part, param, "image_url", "url");
            case "image_file":
                Only(part, param, "type", "image_file");
                return Image(part, param, "image_file", "file_id");
            case null:
                throw ApiException.Invalid($"Missing required parameter: '{param}.type'.", $"{param}.type", "missing_required_parameter");
            default:
                throw ApiException.Invalid($"Invalid value: '{type}'. Supported values are: 'text', 'image_url' and 'image_file'.", $"{param}.type", "invalid_value");
        }
    }

    private static JsonObject Image(JsonObject part, string param, string kind, string reference)
    {
        if (part[kind] is not JsonObject image)
            throw ApiException.Invalid($"Missing required parameter: '{param}.{kind}'.", $"{param}.{kind}", "missing_required_parameter");
        Only(image, $"{param}.{kind}", reference, "detail");
        if (image[reference] is not JsonValue r || r.GetValueKind() != JsonValueKind.String)
            throw ApiException.Invalid($"Missing required parameter: '{param}.{kind}.{reference}'.", $"{param}.{kind}.{reference}", "missing_required_parameter");
        var detail = image["detail"] is JsonValue d && d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() : "auto";
        Validate.OneOf(detail, $"{param}.{kind}.detail", "auto", "low", "high");
        return new JsonObject
        {
            ["type"] = kind,
            [kind] = new JsonObject { [reference] = r.GetValue<string>(), ["detail"] = detail },
        };
    }

    private static void Only(JsonObject o, string param, params string[] allowed)
    {
        foreach (var (key, _) in o)
            if (!allowed.Contains(key))
                throw ApiException.Invalid($"Unrecognized request argument supplied: {param}.{key}", $"{param}.{key}", "unknown_parameter");
    }
}

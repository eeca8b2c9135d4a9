using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Domain;

namespace Threadline.Messages;

/// <summary>
/// Validates message requests into <see cref="NewMessage"/>s. Content is a string, or an array of
/// text, image_url and image_file parts; text becomes <c>{"type":"text","text":{"value","annotations":[]}}</c>,
/// images are kept.
/// </summary>
internal static class MessageRequests
{
    public static NewMessage Read(MessageRequest? request, string param = "")
    {
        request = Validate.Item(request, param.Length == 0 ? "body" : param);
        var prefix = param.Length == 0 ? "" : param + ".";
        var role = Validate.Required(request.Role, prefix + "role");
        Validate.OneOf(role, prefix + "role", MessageRole.User, MessageRole.Assistant);
        var content = Content(request.Content, prefix + "content", Part);
        Validate.Metadata(request.Metadata, prefix + "metadata");
        Validate.Attachments(request.Attachments, prefix + "attachments");
        return new NewMessage(role, content, request.Attachments is null ? RawJson.Null : RawJson.From(request.Attachments), RawJson.From(request.Metadata));
    }

    public static IReadOnlyList<NewMessage> ReadMany(IReadOnlyList<MessageRequest?>? requests, string param) =>
        requests is null ? [] : requests.Select((r, i) => Read(r, $"{param}[{i}]")).ToList();

    /// <summary>Content as a string (one text part) or a non-empty array of parts, each read by <paramref name="part"/> (each surface has its own kinds).</summary>
    public static RawJson Content(JsonNode? content, string param, Func<JsonNode?, string, JsonObject> part)
    {
        switch (content)
        {
            case null:
                throw ApiException.Invalid($"Missing required parameter: '{param}'.", param, "missing_required_parameter");
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return MessageContent.FromText(v.GetValue<string>());
            case JsonArray parts when parts.Count > 0:
                var stored = new JsonArray();
                for (var i = 0; i < parts.Count; i++)
                    stored.Add(part(parts[i], $"{param}[{i}]"));
                return RawJson.From(stored);
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
                return new JsonObject
                {
                    ["type"] = "text",
                    ["text"] = new JsonObject { ["value"] = text.GetValue<string>(), ["annotations"] = new JsonArray() },
                };
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

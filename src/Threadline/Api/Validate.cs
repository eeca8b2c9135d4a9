using System.Text.Json;
using System.Text.Json.Nodes;

namespace Threadline.Api;

/// <summary>The request checks shared by every resource, each failing with the field it names.</summary>
internal static class Validate
{
    public const int MetadataMaxKeys = 16;
    public const int MetadataKeyMaxLength = 64;
    public const int MetadataValueMaxLength = 512;

    public static void Metadata(IReadOnlyDictionary<string, string>? metadata, string param = "metadata")
    {
        if (metadata is null)
            return;
        if (metadata.Count > MetadataMaxKeys)
            throw ApiException.Invalid($"Invalid '{param}': too many properties. Expected an object with at most {MetadataMaxKeys} properties, but got an object with {metadata.Count} properties instead.", param, "object_above_max_properties");
        foreach (var (key, value) in metadata)
        {
            if (key.Length > MetadataKeyMaxLength)
                throw ApiException.Invalid($"Invalid '{param}': key '{Trim(key)}' is too long. Expected a key with maximum length {MetadataKeyMaxLength}, but got a key with length {key.Length} instead.", $"{param}.{Trim(key)}", "string_above_max_length");
            if (value is null)
                throw ApiException.Invalid($"Invalid type for '{param}.{key}': expected a string, but got null instead.", $"{param}.{key}", "invalid_type");
            if (value.Length > MetadataValueMaxLength)
                throw ApiException.Invalid($"Invalid '{param}.{key}': string too long. Expected a string with maximum length {MetadataValueMaxLength}, but got a string with length {value.Length} instead.", $"{param}.{key}", "string_above_max_length");
        }
    }

    public static void MaxLength(string? value, int max, string param)
    {
        if (value is not null && value.Length > max)
            throw ApiException.Invalid($"Invalid '{param}': string too long. Expected a string with maximum length {max}, but got a string with length {value.Length} instead.", param, "string_above_max_length");
    }

    public static string Required(string? value, string param)
    {
        if (value is null)
            throw ApiException.Invalid($"Missing required parameter: '{param}'.", param, "missing_required_parameter");
        return value;
    }

    public static T Required<T>(T? value, string param) where T : class =>
        value ?? throw ApiException.Invalid($"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    /// <summary>An item of a list that must be an object, not <c>null</c>.</summary>
    public static T Item<T>(T? value, string param) where T : class =>
        value ?? throw ApiException.Invalid($"Invalid type for '{param}': expected an object, but got null instead.", param, "invalid_type");

    public static string NonEmpty(string? value, string param)
    {
        var v = Required(value, param);
        if (v.Length == 0)
            throw ApiException.Invalid($"Invalid '{param}': empty string. Expected a string with minimum length 1, but got an empty string instead.", param, "empty_string");
        return v;
    }

    /// <summary>Message attachments: <c>[{"file_id": "...", "tools": [{"type": "code_interpreter" | "file_search"}]}]</c>, kept as given.</summary>
    public static void Attachments(JsonArray? attachments, string param)
    {
        if (attachments is null)
            return;
        for (var i = 0; i < attachments.Count; i++)
        {
            var at = $"{param}[{i}]";
            if (attachments[i] is not JsonObject attachment)
                throw ApiException.Invalid($"Invalid type for '{at}': expected an object.", at, "invalid_type");
            foreach (var (key, _) in attachment)
                if (key is not ("file_id" or "tools"))
                    throw ApiException.Invalid($"Unrecognized request argument supplied: {at}.{key}", $"{at}.{key}", "unknown_parameter");
            if (StringProperty(attachment, "file_id", $"{at}.file_id") is null)
                throw ApiException.Invalid($"Missing required parameter: '{at}.file_id'.", $"{at}.file_id", "missing_required_parameter");
            switch (attachment["tools"])
            {
                case null:
                    break;
                case JsonArray tools:
                    for (var t = 0; t < tools.Count; t++)
                    {
                        var tp = $"{at}.tools[{t}]";
                        if (tools[t] is not JsonObject tool)
                            throw ApiException.Invalid($"Invalid type for '{tp}': expected an object.", tp, "invalid_type");
                        var type = StringProperty(tool, "type", $"{tp}.type")
                            ?? throw ApiException.Invalid($"Missing required parameter: '{tp}.type'.", $"{tp}.type", "missing_required_parameter");
                        OneOf(type, $"{tp}.type", "code_interpreter", "file_search");
                    }
                    break;
                default:
                    throw ApiException.Invalid($"Invalid type for '{at}.tools': expected an array.", $"{at}.tools", "invalid_type");
            }
        }
    }

    public static void Range(double? value, double min, double max, string param)
    {
        if (value is { } v && (v < min || v > max || double.IsNaN(v)))
            throw ApiException.Invalid($"Invalid '{param}': expected a number between {min} and {max}, but got {v} instead.", param, "invalid_value");
    }

    public static void Range(long? value, long min, long max, string param)
    {
        if (value is { } v && (v < min || v > max))
            throw ApiException.Invalid($"Invalid '{param}': expected an integer between {min} and {max}, but got {v} instead.", param, "invalid_value");
    }

    public static void OneOf(string? value, string param, params string[] allowed)
    {
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
            throw ApiException.Invalid($"Invalid value: '{value}'. Supported values are: {string.Join(", ", allowed.Select(a => $"'{a}'"))}.", param, "invalid_value");
    }

    /// <summary>Tool definitions: kept as given, but each must be a known type and a function must be named.</summary>
    public static void Tools(JsonArray? tools, int maxItems, string param = "tools")
    {
        if (tools is null)
            return;
        if (tools.Count > maxItems)
            throw ApiException.Invalid($"Invalid '{param}': array too long. Expected an array with maximum length {maxItems}, but got an array with length {tools.Count} instead.", param, "array_above_max_length");
        for (var i = 0; i < tools.Count; i++)
        {
            var at = $"{param}[{i}]";
            if (tools[i] is not JsonObject tool)
                throw ApiException.Invalid($"Invalid type for '{at}': expected an object.", at, "invalid_type");
            var type = StringProperty(tool, "type", $"{at}.type");
            OneOf(type, $"{at}.type", "code_interpreter", "file_search", "function");
            if (type is null)
                throw ApiException.Invalid($"Missing required parameter: '{at}.type'.", $"{at}.type", "missing_required_parameter");
            if (type == "function")
            {
                if (tool["function"] is not JsonObject function)
                    throw ApiException.Invalid($"Missing required parameter: '{at}.function'.", $"{at}.function", "missing_required_parameter");
                var name = StringProperty(function, "name", $"{at}.function.name")
                    ?? throw ApiException.Invalid($"Missing required parameter: '{at}.function.name'.", $"{at}.function.name", "missing_required_parameter");
                FunctionName(name, $"{at}.function.name");
                if (function["parameters"] is { } parameters && parameters is not JsonObject)
                    throw ApiException.Invalid($"Invalid type for '{at}.function.parameters': expected an object.", $"{at}.function.parameters", "invalid_type");
            }
        }
    }

    /// <summary>A function tool's name, as the hosted APIs bound it.</summary>
    public static string FunctionName(string name, string param) =>
        name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? throw ApiException.Invalid($"Invalid '{param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{{1,64}}$'.", param, "invalid_value")
            : name;

    /// <summary><c>"auto"</c>, or <c>{"type": "text" | "json_object" | "json_schema", ...}</c>.</summary>
    public static void ResponseFormat(JsonNode? format, string param = "response_format")
    {
        switch (format)
        {
            case null:
                return;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                OneOf(v.GetValue<string>(), param, "auto");
                return;
            case JsonObject o:
                var type = StringProperty(o, "type", $"{param}.type");
                OneOf(type, $"{param}.type", "text", "json_object", "json_schema");
                if (type is null)
                    throw ApiException.Invalid($"Missing required parameter: '{param}.type'.", $"{param}.type", "missing_required_parameter");
                if (type == "json_schema" && o["json_schema"] is not JsonObject)
                    throw ApiException.Invalid($"Missing required parameter: '{param}.json_schema'.", $"{param}.json_schema", "missing_required_parameter");
                return;
            default:
                throw ApiException.Invalid($"Invalid type for '{param}': expected 'auto' or an object.", param, "invalid_type");
        }
    }

    /// <summary><c>"none" | "auto" | "required"</c>, or <c>{"type": "function", "function": {"name"}}</c> and the like.</summary>
    public static void ToolChoice(JsonNode? choice, string param = "tool_choice")
    {
        switch (choice)
        {
            case null:
                return;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                OneOf(v.GetValue<string>(), param, "none", "auto", "required");
                return;
            case JsonObject o:
                var type = StringProperty(o, "type", $"{param}.type");
                OneOf(type, $"{param}.type", "function", "code_interpreter", "file_search");
                if (type is null)
                    throw ApiException.Invalid($"Missing required parameter: '{param}.type'.", $"{param}.type", "missing_required_parameter");
                if (type == "function" && (o["function"] as JsonObject)?["name"] is null)
                    throw ApiException.Invalid($"Missing required parameter: '{param}.function.name'.", $"{param}.function.name", "missing_required_parameter");
                return;
            default:
                throw ApiException.Invalid($"Invalid type for '{param}': expected a string or an object.", param, "invalid_type");
        }
    }

    /// <summary><c>{"type": "auto" | "last_messages", "last_messages": n >= 1 | null}</c>.</summary>
    public static void TruncationStrategy(JsonNode? strategy, string param = "truncation_strategy")
    {
        if (strategy is null)
            return;
        if (strategy is not JsonObject o)
            throw ApiException.Invalid($"Invalid type for '{param}': expected an object.", param, "invalid_type");
        foreach (var (key, _) in o)
            if (key is not ("type" or "last_messages"))
                throw ApiException.Invalid($"Unrecognized request argument supplied: {param}.{key}", $"{param}.{key}", "unknown_parameter");
        var type = StringProperty(o, "type", $"{param}.type")
            ?? throw ApiException.Invalid($"Missing required parameter: '{param}.type'.", $"{param}.type", "missing_required_parameter");
        OneOf(type, $"{param}.type", "auto", "last_messages");
        if (o["last_messages"] is { } n)
        {
            if (n is not JsonValue lv || lv.GetValueKind() != JsonValueKind.Number || !lv.TryGetValue<long>(out var count))
                throw ApiException.Invalid($"Invalid type for '{param}.last_messages': expected an integer.", $"{param}.last_messages", "invalid_type");
            Range(count, 1, int.MaxValue, $"{param}.last_messages");
        }
    }

    /// <summary>A string field of a JSON object, null when absent; any other type is a 400 naming <paramref name="param"/>.</summary>
    public static string? StringProperty(JsonObject o, string name, string param)
    {
        var node = o[name];
        if (node is null)
            return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            return v.GetValue<string>();
        throw ApiException.Invalid($"Invalid type for '{param}': expected a string.", param, "invalid_type");
    }

    private static string Trim(string key) => key.Length > 80 ? key[..80] + "..." : key;
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Domain;

namespace Threadline.Responses;

/// <summary>
/// A response's <c>tools</c> and <c>tool_choice</c>, validated: as the response shows them (the Responses
/// API's flat form, <c>{"type":"function","name",...}</c>) and as its run holds them (the Assistants
/// form, <c>{"type":"function","function":{"name",...}}</c>), which the executor offers to the model.
/// </summary>
internal sealed record ResponseTools(RawJson Shown, RawJson ShownChoice, RawJson RunTools, RawJson? RunChoice)
{
    /// <summary>Tools per response, as on assistants.</summary>
    public const int MaxTools = 128;

    public static ResponseTools Read(JsonArray? tools, JsonNode? choice)
    {
        if (tools is { Count: > MaxTools })
            throw ApiException.Invalid($"Invalid 'tools': array too long. Expected an array with maximum length {MaxTools}, but got an array with length {tools.Count} instead.",
                "tools", "array_above_max_length");
        var shown = new JsonArray();
        var run = new JsonArray();
        for (var i = 0; i < (tools?.Count ?? 0); i++)
        {
            var function = Function(tools![i], $"tools[{i}]");
            shown.Add(function);
            run.Add(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = function["name"]!.DeepClone(), ["description"] = function["description"]?.DeepClone(),
                    ["parameters"] = function["parameters"]?.DeepClone(), ["strict"] = function["strict"]?.DeepClone(),
                },
            });
        }
        var (shownChoice, runChoice) = Choice(choice, shown);
        return new ResponseTools(RawJson.From(shown), shownChoice, RawJson.From(run), runChoice);
    }

    /// <summary>A function tool, as the response will show it (<c>parameters</c> and <c>strict</c> always there, as the spec has them).</summary>
    private static JsonObject Function(JsonNode? node, string at)
    {
        if (node is not JsonObject tool)
            throw ApiException.Invalid($"Invalid type for '{at}': expected an object.", at, "invalid_type");
        var type = Validate.Required(Validate.StringProperty(tool, "type", $"{at}.type"), $"{at}.type");
        if (type != "function")
            throw ApiException.Invalid($"Invalid value: '{type}'. Threadline runs function tools on responses ('type': 'function'); others are not supported yet.",
                $"{at}.type", "invalid_value");
        foreach (var (key, _) in tool)
            if (key is not ("type" or "name" or "description" or "parameters" or "strict"))
                throw ApiException.Invalid($"Unrecognized request argument supplied: {at}.{key}", $"{at}.{key}", "unknown_parameter");
        var name = Validate.FunctionName(Validate.Required(Validate.StringProperty(tool, "name", $"{at}.name"), $"{at}.name"), $"{at}.name");
        if (tool["parameters"] is { } parameters && parameters is not JsonObject)
            throw ApiException.Invalid($"Invalid type for '{at}.parameters': expected an object.", $"{at}.parameters", "invalid_type");
        if (tool["strict"] is { } strict && strict.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            throw ApiException.Invalid($"Invalid type for '{at}.strict': expected a boolean.", $"{at}.strict", "invalid_type");
        if (tool["description"] is { } description && description.GetValueKind() != JsonValueKind.String)
            throw ApiException.Invalid($"Invalid type for '{at}.description': expected a string.", $"{at}.description", "invalid_type");
        var function = new JsonObject { ["type"] = "function", ["name"] = name };
        if (tool["description"] is { } d)
            function["description"] = d.DeepClone();
        function["parameters"] = tool["parameters"]?.DeepClone();
        function["strict"] = tool["strict"]?.DeepClone() ?? true;
        return function;
    }

    /// <summary><c>none</c>, <c>auto</c>, <c>required</c>, or <c>{"type":"function","name"}</c> naming one of the tools.</summary>
    private static (RawJson Shown, RawJson? Run) Choice(JsonNode? choice, JsonArray functions)
    {
        switch (choice)
        {
            case null:
                return (RawJson.From(JsonValue.Create("auto")), null);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                Validate.OneOf(v.GetValue<string>(), "tool_choice", "none", "auto", "required");
                return (RawJson.From(v), RawJson.From(v));
            case JsonObject o:
                var type = Validate.Required(Validate.StringProperty(o, "type", "tool_choice.type"), "tool_choice.type");
                if (type != "function")
                    throw ApiException.Invalid($"Invalid value: '{type}'. Threadline takes 'none', 'auto', 'required' or a function ('type': 'function') for tool_choice.",
                        "tool_choice.type", "invalid_value");
                var name = Validate.Required(Validate.StringProperty(o, "name", "tool_choice.name"), "tool_choice.name");
                if (!functions.Any(f => (string?)f!["name"] == name))
                    throw ApiException.Invalid($"Tool choice '{name}' not found in 'tools' parameter.", "tool_choice", "invalid_value");
                return (RawJson.From(new JsonObject { ["type"] = "function", ["name"] = name }),
                    RawJson.From(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name } }));
            default:
                throw ApiException.Invalid("Invalid type for 'tool_choice': expected a string or an object.", "tool_choice", "invalid_type");
        }
    }
}

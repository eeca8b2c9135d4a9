using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Assistants;
using Threadline.Conversations;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;

namespace Threadline.Responses;

/// <summary>A create-response request, validated: the run's settings, its input as messages, and where it runs.</summary>
internal sealed record NewResponse(RunSettings Settings, IReadOnlyList<NewMessage> Input, string? Conversation, string? PreviousResponseId, bool Background, bool Stream);

/// <summary>Validates create response into run settings (what the Assistants API took from an assistant, here from the request).</summary>
internal static class ResponseRequests
{
    /// <summary>Input items per call: the hosted API sets no small bound; this one keeps a request's write bounded.</summary>
    public const int MaxInputItems = 1_000;

    public static NewResponse Read(ResponseRequest r)
    {
        var model = Validate.NonEmpty(Validate.Required(r.Model, "model"), "model");
        Validate.MaxLength(model, AssistantEndpoints.ModelMaxLength, "model");
        Validate.MaxLength(r.Instructions, 256_000, "instructions");
        Validate.Metadata(r.Metadata);
        Validate.Range(r.Temperature, 0, 2, "temperature");
        Validate.Range(r.TopP, 0, 1, "top_p");
        Validate.Range(r.MaxOutputTokens, 16, int.MaxValue, "max_output_tokens");
        Validate.Range(r.DebounceMs, 0, RunRequests.MaxDebounceMs, "debounce_ms");
        Validate.Range(r.MaxWaitMs, 0, RunRequests.MaxMaxWaitMs, "max_wait_ms");
        var tools = ResponseTools.Read(r.Tools, r.ToolChoice);
        var conversation = ConversationId(r.Conversation);
        if (conversation is not null && r.PreviousResponseId is not null)
            throw ApiException.Invalid("Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
                null, "mutually_exclusive_parameters");
        var (text, format) = TextFormat(r.Text);
        var background = r.Background ?? false;
        // Ids minted here, so that the response knows its input items (input_items) before they are stored.
        var input = Input(r.Input).Select(m => m with { Id = Ids.Item(m.Role) }).ToList();
        var fields = new ResponseFields(conversation, r.PreviousResponseId, background, r.Store ?? true, text, tools.Shown, tools.ShownChoice,
            [.. input.Select(m => m.Id!)]);
        return new NewResponse(new RunSettings
        {
            AssistantId = "",
            Model = model,
            Instructions = r.Instructions,
            Tools = tools.RunTools,
            Metadata = RawJson.From(r.Metadata),
            Temperature = r.Temperature,
            TopP = r.TopP,
            MaxCompletionTokens = r.MaxOutputTokens,
            ToolChoice = tools.RunChoice,
            ParallelToolCalls = r.ParallelToolCalls,
            ResponseFormat = format,
            DebounceMs = r.DebounceMs ?? 0,
            MaxWaitMs = r.MaxWaitMs,
            OnActive = RunRequests.OnActiveOf(r.OnActive),
            Response = fields.ToJson(),
        }, input, conversation, r.PreviousResponseId, background, r.Stream ?? false);
    }

    /// <summary>Retrieve's <c>stream</c> and <c>starting_after</c> (the last <c>sequence_number</c> the client saw; -1: from the start).</summary>
    public static (bool Stream, int StartingAfter) Follow(IQueryCollection query)
    {
        var stream = query["stream"].ToString() switch
        {
            "" or "false" => false,
            "true" => true,
            var other => throw ApiException.Invalid($"Invalid value for 'stream': expected a boolean, but got '{other}' instead.", "stream", "invalid_type"),
        };
        var startingAfter = -1;
        if (query["starting_after"].ToString() is { Length: > 0 } raw)
        {
            if (!int.TryParse(raw, out startingAfter))
                throw ApiException.Invalid($"Invalid type for 'starting_after': expected an integer, but got '{raw}' instead.", "starting_after", "invalid_type");
            Validate.Range(startingAfter, -1, int.MaxValue, "starting_after");
            if (!stream)
                throw ApiException.Invalid("'starting_after' is only for a stream: add 'stream=true'.", "starting_after", "invalid_value");
        }
        return (stream, startingAfter);
    }

    /// <summary><c>input</c>: a string (one user message) or a list of input items.</summary>
    private static IReadOnlyList<NewMessage> Input(JsonNode? input) => input switch
    {
        null => throw ApiException.Invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter"),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [new NewMessage(MessageRole.User, MessageContent.FromText(v.GetValue<string>()), RawJson.Null, RawJson.EmptyObject)],
        JsonArray items => ConversationItems.Read([.. items], "input", required: true, MaxInputItems),
        _ => throw ApiException.Invalid("Invalid type for 'input': expected one of a string or an array of input items.", "input", "invalid_type"),
    };

    /// <summary><c>conversation</c>: its id, or <c>{"id": ...}</c>.</summary>
    private static string? ConversationId(JsonNode? conversation) => conversation switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Validate.NonEmpty(v.GetValue<string>(), "conversation"),
        JsonObject { Count: 1 } o when o["id"] is JsonValue id && id.GetValueKind() == JsonValueKind.String => Validate.NonEmpty(id.GetValue<string>(), "conversation.id"),
        _ => throw ApiException.Invalid("Invalid type for 'conversation': expected a conversation id or an object with 'id'.", "conversation", "invalid_type"),
    };

    /// <summary><c>text.format</c> as the response will show it, and as the run's <c>response_format</c>.</summary>
    private static (RawJson Text, RawJson? Format) TextFormat(JsonObject? text)
    {
        if (text is null)
            return (ResponseFields.DefaultText, null);
        if (text["format"] is not JsonObject format)
            return text.ContainsKey("format")
                ? throw ApiException.Invalid("Invalid type for 'text.format': expected an object.", "text.format", "invalid_type")
                : (RawJson.From(text), null);
        var type = format["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        Validate.OneOf(Validate.Required(type, "text.format.type"), "text.format.type", "text", "json_object", "json_schema");
        RawJson runFormat;
        if (type == "json_schema")
        {
            if (format["schema"] is not JsonObject)
                throw ApiException.Invalid("Missing required parameter: 'text.format.schema'.", "text.format.schema", "missing_required_parameter");
            var name = format["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null;
            var schema = new JsonObject { ["name"] = Validate.Required(name, "text.format.name"), ["schema"] = format["schema"]!.DeepClone() };
            if (format["strict"] is { } strict)
                schema["strict"] = strict.DeepClone();
            if (format["description"] is { } description)
                schema["description"] = description.DeepClone();
            runFormat = RawJson.From(new JsonObject { ["type"] = "json_schema", ["json_schema"] = schema });
        }
        else
        {
            runFormat = RawJson.From(new JsonObject { ["type"] = type });
        }
        return (RawJson.From(text), runFormat);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;

namespace Threadline.Queue;

/// <summary>
/// What the model is sent: the run's instructions, the thread's messages as the run saw them (I4),
/// truncated per <c>truncation_strategy</c> and <c>max_prompt_tokens</c>, then what the run itself did
/// so far (its text and tool calls with their outputs, for a run resumed after <c>submit_tool_outputs</c>).
/// Messages are loaded newest first and only as many as can be sent, so a long thread costs a run
/// what it sends, not what the thread holds.
/// </summary>
internal static class ChatContext
{
    /// <summary>How many of the newest messages to load for the run.</summary>
    public static int LoadLimit(RunSettingsView run, int maxContextMessages)
    {
        var limit = Math.Min(run.LastMessages ?? int.MaxValue, maxContextMessages);
        // Every message costs at least MessageOverhead tokens: no more than budget / overhead can fit.
        if (run.Run.MaxPromptTokens is { } budget)
            limit = (int)Math.Min(limit, budget / MessageOverhead + 1);
        return Math.Max(limit, 0);
    }

    /// <summary>The messages, or null when they cannot fit <c>max_prompt_tokens</c>.</summary>
    public static List<ChatMessage>? Messages(RunSettingsView view, IReadOnlyList<Message> newestFirst, IReadOnlyList<RunStep> ownSteps, IReadOnlyList<Message> ownMessages)
    {
        var run = view.Run;
        var system = new List<ChatMessage>();
        var instructions = string.Join("\n\n", new[] { run.Instructions, run.AdditionalInstructions }.Where(s => !string.IsNullOrEmpty(s)));
        if (instructions.Length > 0)
            system.Add(new ChatMessage(ChatRole.System, instructions));
        var own = OwnTurns(ownSteps, ownMessages);

        // auto with a budget: the newest messages that fit, as one pass from the newest back.
        var budget = run.MaxPromptTokens ?? long.MaxValue;
        var used = Estimate(system) + Estimate(own);
        if (used > budget)
            return null;
        var history = new List<ChatMessage>(newestFirst.Count);
        foreach (var message in newestFirst)
        {
            var chat = ChatOf(message);
            used += Estimate(chat);
            if (used > budget)
                break;
            history.Add(chat);
        }
        history.Reverse();
        return [.. system, .. MergeCalls(history), .. own];
    }

    private static ChatMessage ChatOf(Message message)
    {
        switch (message.Role)
        {
            case MessageRole.FunctionCall:
                var (callId, name, arguments) = FunctionItems.Call(message.Content);
                return new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, name, Arguments(arguments)) { RawRepresentation = arguments }]);
            case MessageRole.FunctionCallOutput:
                var (outputOf, output) = FunctionItems.Output(message.Content);
                return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(outputOf, output)]);
        }
        var role = message.Role switch
        {
            MessageRole.Assistant => ChatRole.Assistant,
            MessageRole.System or MessageRole.Developer => ChatRole.System,
            _ => ChatRole.User,
        };
        return new ChatMessage(role, Contents(message));
    }

    /// <summary>
    /// Function calls stored one item each (the Responses API's form) become one assistant turn per
    /// round, as chat models take them: every tool result must follow the turn that holds its call.
    /// </summary>
    private static List<ChatMessage> MergeCalls(List<ChatMessage> history)
    {
        var merged = new List<ChatMessage>(history.Count);
        foreach (var chat in history)
        {
            if (IsCallsOnly(chat) && merged.Count > 0 && IsCallsOnly(merged[^1]))
                merged[^1] = new ChatMessage(ChatRole.Assistant, [.. merged[^1].Contents, .. chat.Contents]);
            else
                merged.Add(chat);
        }
        return merged;
    }

    private static bool IsCallsOnly(ChatMessage m) =>
        m.Role == ChatRole.Assistant && m.Contents.Count > 0 && m.Contents.All(c => c is FunctionCallContent);

    public static ChatOptions Options(RunSettingsView view, long completionTokensSoFar)
    {
        var run = view.Run;
        var options = new ChatOptions
        {
            ModelId = run.Model,
            Temperature = (float?)run.Temperature,
            TopP = (float?)run.TopP,
            AllowMultipleToolCalls = run.ParallelToolCalls,
            ResponseFormat = ResponseFormat(view.ResponseFormat),
        };
        if (run.MaxCompletionTokens is { } max)
            options.MaxOutputTokens = (int)Math.Max(1, max - completionTokensSoFar);

        // Providers get these parts exactly as the run gives them; the generic ones below serve the built-in models.
        options.RawRepresentationFactory = _ => Models.ProviderRequest.For(view);
        var functions = view.Functions
            .Select(f => (AITool)AIFunctionFactory.CreateDeclaration(
                (string)f["name"]!, (string?)f["description"],
                JsonSerializer.SerializeToElement(f["parameters"] ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() }, ChatJsonContext.Default.JsonNode)))
            .ToList();
        if (functions.Count > 0)
        {
            options.Tools = functions;
            options.ToolMode = ToolMode(view.ToolChoice);
        }
        return options;
    }

    private static ChatToolMode? ToolMode(JsonNode choice) => choice switch
    {
        JsonValue v when (string?)v == "none" => ChatToolMode.None,
        JsonValue v when (string?)v == "required" => ChatToolMode.RequireAny,
        JsonObject o when (string?)o["type"] == "function" && (string?)o["function"]?["name"] is { } name => ChatToolMode.RequireSpecific(name),
        JsonObject o when (string?)o["type"] == Retrieval.FileSearch.FileSearchTool.Name => ChatToolMode.RequireSpecific(Retrieval.FileSearch.FileSearchTool.Name),
        _ => ChatToolMode.Auto,
    };

    private static ChatResponseFormat? ResponseFormat(JsonNode format) => format switch
    {
        JsonObject o when (string?)o["type"] == "json_object" => ChatResponseFormat.Json,
        JsonObject o when (string?)o["type"] == "json_schema" && o["json_schema"] is JsonObject js => ChatResponseFormat.ForJsonSchema(
            JsonSerializer.SerializeToElement(js["schema"] ?? new JsonObject(), ChatJsonContext.Default.JsonNode), (string?)js["name"], (string?)js["description"]),
        _ => null,
    };

    /// <summary>The run's own earlier turns: its text, and each tool-call round with the outputs submitted.</summary>
    private static List<ChatMessage> OwnTurns(IReadOnlyList<RunStep> steps, IReadOnlyList<Message> messages)
    {
        var turns = new List<ChatMessage>();
        foreach (var step in steps)
        {
            if (step.Type == RunStepType.MessageCreation)
            {
                if (messages.FirstOrDefault(m => step.StepDetails.Text.Contains(m.Id, StringComparison.Ordinal)) is { } m && m.Text is { Length: > 0 } text)
                    turns.Add(new ChatMessage(ChatRole.Assistant, text));
                continue;
            }
            var calls = ToolCallJson.Read(step.StepDetails);
            if (calls.Count == 0)
                continue;
            var outputs = ToolCallJson.Outputs(step.StepDetails);
            turns.Add(new ChatMessage(ChatRole.Assistant, calls.Select(c => (AIContent)new FunctionCallContent(c.Id, c.Name, Arguments(c.Arguments))
            {
                RawRepresentation = c.Arguments,
            }).ToList()));
            var results = calls.Where(c => outputs.ContainsKey(c.Id)).Select(c => (AIContent)new FunctionResultContent(c.Id, outputs[c.Id])).ToList();
            if (results.Count > 0)
                turns.Add(new ChatMessage(ChatRole.Tool, results));
        }
        return turns;
    }

    public static Dictionary<string, object?> Arguments(string? json)
    {
        try
        {
            return string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize(json, ChatJsonContext.Default.DictionaryStringObject) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static List<AIContent> Contents(Message message)
    {
        var contents = new List<AIContent>();
        using var document = JsonDocument.Parse(message.Content.Text);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            return contents;
        foreach (var part in document.RootElement.EnumerateArray())
        {
            var type = part.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "text" && part.TryGetProperty("text", out var text) && text.TryGetProperty("value", out var value))
                contents.Add(new TextContent(value.GetString() ?? ""));
            else if (type == "image_url" && part.TryGetProperty("image_url", out var image) && image.TryGetProperty("url", out var url)
                && Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri))
                contents.Add(new UriContent(uri, "image/*"));
        }
        return contents;
    }

    /// <summary>Tokens every message costs besides its text.</summary>
    private const long MessageOverhead = 4;

    /// <summary>About four characters a token: enough to keep a prompt under a budget without a tokenizer.</summary>
    private static long Estimate(ChatMessage m) =>
        MessageOverhead + (m.Text.Length + 3) / 4 + m.Contents.OfType<FunctionResultContent>().Sum(r => (r.Result?.ToString()?.Length ?? 0) / 4)
        + m.Contents.OfType<FunctionCallContent>().Sum(c => ((c.RawRepresentation as string)?.Length ?? 0) / 4);

    private static long Estimate(IEnumerable<ChatMessage> messages) => messages.Sum(Estimate);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonNode))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>))]
internal sealed partial class ChatJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

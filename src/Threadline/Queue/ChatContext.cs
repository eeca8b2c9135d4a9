using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;

namespace Threadline.Queue;

/// <summary>
/// What the model is sent: the run's instructions, the thread's messages as the run saw them (I4),
/// truncated per <c>truncation_strategy</c>, then what the run itself did so far (its text and tool
/// calls with their outputs, for a run resumed after <c>submit_tool_outputs</c>).
/// </summary>
internal static class ChatContext
{
    /// <summary>The messages, or null when they cannot fit <c>max_prompt_tokens</c>.</summary>
    public static List<ChatMessage>? Messages(Run run, IReadOnlyList<Message> thread, IReadOnlyList<RunStep> ownSteps, IReadOnlyList<Message> ownMessages)
    {
        var system = new List<ChatMessage>();
        var instructions = string.Join("\n\n", new[] { run.Instructions, run.AdditionalInstructions }.Where(s => !string.IsNullOrEmpty(s)));
        if (instructions.Length > 0)
            system.Add(new ChatMessage(ChatRole.System, instructions));

        var history = thread.Select(m => new ChatMessage(m.Role == MessageRole.Assistant ? ChatRole.Assistant : ChatRole.User, Contents(m.Content))).ToList();
        if ((string?)run.TruncationStrategy["type"] == "last_messages" && run.TruncationStrategy["last_messages"] is JsonValue n && n.TryGetValue<long>(out var keep))
            history = history.Skip(Math.Max(0, history.Count - (int)keep)).ToList();

        var own = OwnTurns(ownSteps, ownMessages);
        if (run.MaxPromptTokens is { } budget)
        {
            // auto: drop the oldest thread messages until the prompt fits.
            while (history.Count > 0 && Estimate(system.Concat(history).Concat(own)) > budget)
                history.RemoveAt(0);
            if (Estimate(system.Concat(history).Concat(own)) > budget)
                return null;
        }
        return [.. system, .. history, .. own];
    }

    public static ChatOptions Options(Run run, long completionTokensSoFar)
    {
        var options = new ChatOptions
        {
            ModelId = run.Model,
            Temperature = (float?)run.Temperature,
            TopP = (float?)run.TopP,
            AllowMultipleToolCalls = run.ParallelToolCalls,
            ResponseFormat = ResponseFormat(run.ResponseFormat),
        };
        if (run.MaxCompletionTokens is { } max)
            options.MaxOutputTokens = (int)Math.Max(1, max - completionTokensSoFar);

        // Providers get these parts exactly as the run gives them; the generic ones below serve the built-in models.
        options.RawRepresentationFactory = _ => Models.ProviderRequest.For(run);
        var functions = Models.ProviderRequest.Functions(run)
            .Select(f => (AITool)AIFunctionFactory.CreateDeclaration(
                (string)f["name"]!, (string?)f["description"],
                JsonSerializer.SerializeToElement(f["parameters"] ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() })))
            .ToList();
        if (functions.Count > 0)
        {
            options.Tools = functions;
            options.ToolMode = ToolMode(run.ToolChoice);
        }
        return options;
    }

    private static ChatToolMode? ToolMode(JsonNode choice) => choice switch
    {
        JsonValue v when (string?)v == "none" => ChatToolMode.None,
        JsonValue v when (string?)v == "required" => ChatToolMode.RequireAny,
        JsonObject o when (string?)o["type"] == "function" && (string?)o["function"]?["name"] is { } name => ChatToolMode.RequireSpecific(name),
        _ => ChatToolMode.Auto,
    };

    private static ChatResponseFormat? ResponseFormat(JsonNode format) => format switch
    {
        JsonObject o when (string?)o["type"] == "json_object" => ChatResponseFormat.Json,
        JsonObject o when (string?)o["type"] == "json_schema" && o["json_schema"] is JsonObject js => ChatResponseFormat.ForJsonSchema(
            JsonSerializer.SerializeToElement(js["schema"] ?? new JsonObject()), (string?)js["name"], (string?)js["description"]),
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
                var id = (string?)step.StepDetails["message_creation"]?["message_id"];
                if (messages.FirstOrDefault(m => m.Id == id) is { } m && m.Text.Length > 0)
                    turns.Add(new ChatMessage(ChatRole.Assistant, m.Text));
                continue;
            }
            var calls = step.StepDetails["tool_calls"]?.AsArray().OfType<JsonObject>().Where(c => (string?)c["type"] == "function").ToList() ?? [];
            if (calls.Count == 0)
                continue;
            turns.Add(new ChatMessage(ChatRole.Assistant, calls.Select(c => (AIContent)new FunctionCallContent(
                (string)c["id"]!, (string)c["function"]!["name"]!, Arguments((string?)c["function"]!["arguments"]))).ToList()));
            var results = calls.Where(c => c["function"]!["output"] is not null)
                .Select(c => (AIContent)new FunctionResultContent((string)c["id"]!, (string?)c["function"]!["output"])).ToList();
            if (results.Count > 0)
                turns.Add(new ChatMessage(ChatRole.Tool, results));
        }
        return turns;
    }

    public static Dictionary<string, object?> Arguments(string? json)
    {
        try
        {
            return string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<Dictionary<string, object?>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static List<AIContent> Contents(JsonArray parts)
    {
        var contents = new List<AIContent>();
        foreach (var part in parts.OfType<JsonObject>())
        {
            switch ((string?)part["type"])
            {
                case "text":
                    contents.Add(new TextContent((string?)part["text"]?["value"] ?? ""));
                    break;
                case "image_url" when Uri.TryCreate((string?)part["image_url"]?["url"], UriKind.Absolute, out var url):
                    contents.Add(new UriContent(url, "image/*"));
                    break;
            }
        }
        return contents;
    }

    /// <summary>About four characters a token: enough to keep a prompt under a budget without a tokenizer.</summary>
    private static long Estimate(IEnumerable<ChatMessage> messages) =>
        messages.Sum(m => 4 + (m.Text.Length + 3) / 4 + m.Contents.OfType<FunctionResultContent>().Sum(r => (r.Result?.ToString()?.Length ?? 0) / 4));
}

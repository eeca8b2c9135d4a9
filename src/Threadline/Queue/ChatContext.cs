using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Threadline.Messages;
using Threadline.Runs;

namespace Threadline.Queue;

/// <summary>What the model is sent: the run's instructions, then the thread's messages as the run saw them.</summary>
internal static class ChatContext
{
    public static List<ChatMessage> Messages(Run run, IReadOnlyList<Message> thread)
    {
        var messages = new List<ChatMessage>();
        var instructions = string.Join("\n\n", new[] { run.Instructions, run.AdditionalInstructions }.Where(s => !string.IsNullOrEmpty(s)));
        if (instructions.Length > 0)
            messages.Add(new ChatMessage(ChatRole.System, instructions));
        foreach (var message in thread)
            messages.Add(new ChatMessage(message.Role == MessageRole.Assistant ? ChatRole.Assistant : ChatRole.User, Contents(message.Content)));
        return messages;
    }

    public static ChatOptions Options(Run run)
    {
        var options = new ChatOptions
        {
            ModelId = run.Model,
            Temperature = (float?)run.Temperature,
            TopP = (float?)run.TopP,
            AllowMultipleToolCalls = run.ParallelToolCalls,
        };
        var functions = run.Tools.OfType<JsonObject>()
            .Where(t => (string?)t["type"] == "function" && t["function"] is JsonObject)
            .Select(t => (JsonObject)t["function"]!)
            .Select(f => (AITool)AIFunctionFactory.CreateDeclaration(
                (string)f["name"]!, (string?)f["description"],
                JsonSerializer.SerializeToElement(f["parameters"] ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() })))
            .ToList();
        if (functions.Count > 0)
            options.Tools = functions;
        return options;
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
}

using System.Text.Json.Nodes;
using OpenAI.Chat;
using Threadline.Queue;

namespace Threadline.Models;

/// <summary>
/// The parts of an OpenAI chat request that must reach the provider exactly as the run gives them:
/// function definitions (parameters untouched, <c>strict</c> kept), <c>tool_choice</c>,
/// <c>parallel_tool_calls</c> and <c>response_format</c> (with its <c>strict</c>). The generic
/// conversion of Microsoft.Extensions.AI would rewrite parameter schemas and drop strictness.
/// </summary>
internal static class ProviderRequest
{
    public static ChatCompletionOptions For(RunSettingsView run)
    {
        var options = new ChatCompletionOptions();
        foreach (var function in run.Functions)
        {
            options.Tools.Add(ChatTool.CreateFunctionTool(
                (string)function["name"]!,
                (string?)function["description"],
                // Without parameters: an empty object schema, which every OpenAI-compatible server accepts.
                BinaryData.FromString((function["parameters"] as JsonObject)?.ToJsonString() ?? """{"type":"object","properties":{}}"""),
                (bool?)function["strict"]));
        }
        if (options.Tools.Count > 0)
        {
            options.ToolChoice = run.ToolChoice switch
            {
                JsonValue v when (string?)v == "none" => ChatToolChoice.CreateNoneChoice(),
                JsonValue v when (string?)v == "required" => ChatToolChoice.CreateRequiredChoice(),
                JsonObject o when (string?)o["function"]?["name"] is { } name => ChatToolChoice.CreateFunctionChoice(name),
                JsonObject o when (string?)o["type"] == Retrieval.FileSearch.FileSearchTool.Name => ChatToolChoice.CreateFunctionChoice(Retrieval.FileSearch.FileSearchTool.Name),
                _ => ChatToolChoice.CreateAutoChoice(),
            };
            options.AllowParallelToolCalls = run.Run.ParallelToolCalls;
        }
        options.ResponseFormat = run.ResponseFormat switch
        {
            JsonObject o when (string?)o["type"] == "json_object" => ChatResponseFormat.CreateJsonObjectFormat(),
            JsonObject o when (string?)o["type"] == "json_schema" && o["json_schema"] is JsonObject js => ChatResponseFormat.CreateJsonSchemaFormat(
                (string?)js["name"] ?? "response",
                BinaryData.FromString((js["schema"] ?? new JsonObject()).ToJsonString()),
                (string?)js["description"],
                (bool?)js["strict"]),
            _ => null,
        };
        return options;
    }
}

using System.Text.Json.Nodes;
using Threadline.Runs;

namespace Threadline.Queue;

/// <summary>The JSON settings of a run, parsed once per execution (everywhere else they stay raw).</summary>
internal sealed record RunSettingsView(Run Run, JsonArray Tools, JsonNode ToolChoice, JsonNode ResponseFormat, JsonObject TruncationStrategy)
{
    public static RunSettingsView Of(Run run) => new(
        run,
        run.Tools.ToNode() as JsonArray ?? [],
        run.ToolChoice.ToNode() ?? JsonValue.Create("auto"),
        run.ResponseFormat.ToNode() ?? JsonValue.Create("auto"),
        run.TruncationStrategy.ToNode() as JsonObject ?? new JsonObject { ["type"] = "auto" });

    /// <summary><c>truncation_strategy: {type: "last_messages", last_messages: n}</c>, else null.</summary>
    public int? LastMessages =>
        (string?)TruncationStrategy["type"] == "last_messages" && TruncationStrategy["last_messages"] is JsonValue n && n.TryGetValue<long>(out var keep)
            ? (int)Math.Min(keep, int.MaxValue)
            : null;

    /// <summary>The run's function tools; <c>code_interpreter</c> and <c>file_search</c> are not offered (not executed yet).</summary>
    public IEnumerable<JsonObject> Functions => Tools.OfType<JsonObject>()
        .Where(t => (string?)t["type"] == "function" && t["function"] is JsonObject)
        .Select(t => (JsonObject)t["function"]!);
}

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

    /// <summary>The run's <c>file_search</c> tool, if it has one.</summary>
    public Retrieval.FileSearch.FileSearchTool? FileSearch { get; } = Retrieval.FileSearch.FileSearchTool.Of(Tools);

    /// <summary>
    /// The functions the model is offered: the run's function tools, and <c>file_search</c> as a function
    /// Threadline runs itself (a function of the client's with that name gives way to it).
    /// <c>code_interpreter</c> is not offered (not executed).
    /// </summary>
    public IEnumerable<JsonObject> Functions
    {
        get
        {
            var functions = Tools.OfType<JsonObject>()
                .Where(t => (string?)t["type"] == "function" && t["function"] is JsonObject)
                .Select(t => (JsonObject)t["function"]!);
            return FileSearch is null
                ? functions
                : functions.Where(f => (string?)f["name"] != Retrieval.FileSearch.FileSearchTool.Name).Append(Retrieval.FileSearch.FileSearchTool.Declaration);
        }
    }
}

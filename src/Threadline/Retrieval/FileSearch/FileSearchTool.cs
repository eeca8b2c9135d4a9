using System.Text.Json.Nodes;

namespace Threadline.Retrieval.FileSearch;

/// <summary>
/// A run's <c>file_search</c> tool as the model sees it: a function Threadline runs itself, never a
/// <c>requires_action</c>. Its settings come from the tool as the run gives it (<c>file_search.max_num_results</c>,
/// <c>file_search.ranking_options</c>; on the Responses API <c>vector_store_ids</c> too).
/// </summary>
internal sealed record FileSearchTool(int MaxResults, double ScoreThreshold, string Ranker, IReadOnlyList<string> VectorStoreIds)
{
    public const string Name = "file_search";

    /// <summary>The hosted default for the tool (the search endpoint's is 10).</summary>
    public const int DefaultMaxResults = 20;

    /// <summary>The function the model is offered in the tool's place.</summary>
    public static JsonObject Declaration => new()
    {
        ["name"] = Name,
        ["description"] = "Search the files attached to this conversation and assistant. Returns the most relevant passages, each headed by a "
            + "source marker such as 【0†notes.md】; put that marker right after a statement that uses the passage.",
        ["parameters"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["query"] = new JsonObject { ["type"] = "string", ["description"] = "What to look for, in words likely to appear in the files." } },
            ["required"] = new JsonArray("query"),
        },
    };

    /// <summary>The run's <c>file_search</c> tool, or null when it has none.</summary>
    public static FileSearchTool? Of(JsonArray tools)
    {
        if (tools.OfType<JsonObject>().FirstOrDefault(t => (string?)t["type"] == Name) is not { } tool)
            return null;
        var settings = tool[Name] as JsonObject;
        var ranking = (settings?["ranking_options"] ?? tool["ranking_options"]) as JsonObject;
        var max = (int?)(settings?["max_num_results"] ?? tool["max_num_results"]) ?? DefaultMaxResults;
        var stores = (tool["vector_store_ids"] as JsonArray)?.Select(v => (string?)v).OfType<string>().ToList() ?? [];
        return new FileSearchTool(Math.Clamp(max, 1, 50), (double?)ranking?["score_threshold"] ?? 0, (string?)ranking?["ranker"] ?? "auto", stores);
    }

    /// <summary>The store ids in <c>tool_resources.file_search.vector_store_ids</c>.</summary>
    public static IEnumerable<string> StoresIn(JsonNode? toolResources) =>
        (toolResources?[Name]?["vector_store_ids"] as JsonArray)?.Select(v => (string?)v).OfType<string>() ?? [];
}

using System.Text.Json.Nodes;
using Threadline.Domain;

namespace Threadline.RunSteps;

/// <summary>
/// A step keeps the text of each file_search result; the wire shows it only when asked
/// (<c>include[]=step_details.tool_calls[*].file_search.results[*].content</c>), as hosted.
/// </summary>
internal static class SearchContent
{
    public static RawJson Without(RawJson details)
    {
        if (details.IsNull || !details.Text.Contains("\"file_search\"", StringComparison.Ordinal) || details.ToNode() is not JsonObject root)
            return details;
        foreach (var call in (root["tool_calls"] as JsonArray ?? []).OfType<JsonObject>())
            foreach (var result in (call["file_search"]?["results"] as JsonArray ?? []).OfType<JsonObject>())
                result.Remove("content");
        return RawJson.From(root);
    }
}

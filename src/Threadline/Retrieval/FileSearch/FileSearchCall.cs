using System.Text;
using System.Text.Json;
using Threadline.Retrieval.Search;

namespace Threadline.Retrieval.FileSearch;

/// <summary>
/// One <c>file_search</c> call the model made and what it found. The model reads the results as text,
/// each passage headed by its marker (<c>【n†file name】</c>, numbered across the whole run so that a marker
/// names one source); the step records them in the hosted shape.
/// </summary>
internal sealed record FileSearchCall(string CallId, string Query, IReadOnlyList<SearchHit> Hits, int FirstSource)
{
    public const string NoResults = "No results found.";

    public string ForModel()
    {
        if (Hits.Count == 0)
            return NoResults;
        var text = new StringBuilder();
        for (var i = 0; i < Hits.Count; i++)
        {
            if (i > 0)
                text.Append("\n\n");
            text.Append(Marker(FirstSource + i, Hits[i].Filename)).Append('\n').Append(Hits[i].Text);
        }
        return text.ToString();
    }

    public static string Marker(int source, string filename) => $"【{source}†{filename}】";

    /// <summary>The call in a <c>tool_calls</c> step: ranking options and results, with each result's content (stripped on the wire unless asked for).</summary>
    public void WriteStepCall(Utf8JsonWriter w, FileSearchTool tool)
    {
        w.WriteStartObject();
        w.WriteString("id", CallId);
        w.WriteString("type", FileSearchTool.Name);
        w.WriteStartObject("file_search");
        w.WriteStartObject("ranking_options");
        w.WriteString("ranker", "default_2024_08_21");
        w.WriteNumber("score_threshold", tool.ScoreThreshold);
        w.WriteEndObject();
        w.WriteStartArray("results");
        foreach (var hit in Hits)
        {
            w.WriteStartObject();
            w.WriteString("file_id", hit.FileId);
            w.WriteString("file_name", hit.Filename);
            w.WriteNumber("score", hit.Score);
            w.WriteStartArray("content");
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", hit.Text);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }
}

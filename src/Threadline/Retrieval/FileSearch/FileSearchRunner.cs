using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Domain;
using Threadline.Retrieval.Search;
using Threadline.Runs;
using Threadline.Storage;

namespace Threadline.Retrieval.FileSearch;

/// <summary>Runs a run's <c>file_search</c> calls against the vector stores the run may read.</summary>
internal sealed class FileSearchRunner(IStore store, ChunkSearch search)
{
    /// <summary>
    /// The stores the run searches: those the tool names (the Responses API's form), else the
    /// assistant's and the thread's <c>tool_resources.file_search.vector_store_ids</c>; only those that exist.
    /// </summary>
    public ValueTask<IReadOnlyList<string>> StoresAsync(Run run, FileSearchTool tool, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<string>>(async s =>
        {
            var ids = new List<string>(tool.VectorStoreIds);
            if (ids.Count == 0)
            {
                if (run.AssistantId.Length > 0 && await s.Assistants.AssistantGetAsync(run.ProjectId, run.AssistantId) is { } assistant)
                    ids.AddRange(FileSearchTool.StoresIn(assistant.ToolResources.ToNode()));
                if (await s.Threads.ThreadGetAsync(run.ProjectId, run.ThreadId) is { } thread)
                    ids.AddRange(FileSearchTool.StoresIn(thread.ToolResources.ToNode()));
            }
            var existing = new List<string>();
            foreach (var id in ids.Distinct())
                if (await s.VectorStores.VectorStoreGetAsync(run.ProjectId, id) is not null)
                    existing.Add(id);
            return existing;
        }, ct);

    public async Task<FileSearchCall> SearchAsync(Run run, FileSearchTool tool, IReadOnlyList<string> stores, ToolCall call, int firstSource, CancellationToken ct)
    {
        var query = QueryOf(call.Arguments);
        if (stores.Count == 0 || query.Length == 0)
            return new FileSearchCall(call.Id, query, [], firstSource);
        var found = await search.SearchAsync(new SearchQuery(run.ProjectId, stores, [query], tool.MaxResults, tool.ScoreThreshold, null), ct);
        return new FileSearchCall(call.Id, query, found.Value ?? [], firstSource);
    }

    /// <summary>The <c>tool_calls</c> step that records one round of searches.</summary>
    public static RawJson StepDetails(IReadOnlyList<FileSearchCall> calls, FileSearchTool tool)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = WireEscaping.Options.Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("type", "tool_calls");
            w.WriteStartArray("tool_calls");
            foreach (var call in calls)
                call.WriteStepCall(w, tool);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return RawJson.Trusted(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>The <c>query</c> argument; a model that sent plain text instead of JSON is taken at its word.</summary>
    private static string QueryOf(string arguments)
    {
        try
        {
            if (JsonNode.Parse(arguments) is JsonObject o && o["query"] is JsonValue v && v.TryGetValue<string>(out var q))
                return q.Trim();
        }
        catch (JsonException)
        {
        }
        return arguments.Trim();
    }
}

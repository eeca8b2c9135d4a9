using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Domain;
using Threadline.Retrieval.FileSearch;
using Threadline.Storage;

namespace Threadline.VectorStores;

/// <summary>
/// <c>tool_resources.file_search.vector_stores</c> on a new assistant or thread: each entry becomes a
/// vector store of those files (queued for indexing in the same transaction), named in
/// <c>vector_store_ids</c> in its place, as hosted. A file id that names no file of the project ends
/// <c>failed</c> in the store, as it would when added later.
/// </summary>
internal static class ToolResourceStores
{
    /// <summary>Checks the shape; the stores are made by <see cref="CreateAsync"/> inside the write.</summary>
    public static void Validate(JsonObject? toolResources, string param)
    {
        if (toolResources?[FileSearchTool.Name] is not JsonObject fileSearch)
            return;
        var at = $"{param}.{FileSearchTool.Name}";
        if (fileSearch["vector_store_ids"] is JsonArray { Count: > 1 })
            throw ApiException.Invalid($"Invalid '{at}.vector_store_ids': at most 1 vector store may be attached.", $"{at}.vector_store_ids", "array_above_max_length");
        if (fileSearch["vector_stores"] is not JsonArray stores)
            return;
        if (fileSearch["vector_store_ids"] is JsonArray { Count: > 0 } || stores.Count > 1)
            throw ApiException.Invalid($"Invalid '{at}': give 'vector_store_ids' or one entry of 'vector_stores', not both.", $"{at}.vector_stores", "invalid_value");
        for (var i = 0; i < stores.Count; i++)
        {
            var p = $"{at}.vector_stores[{i}]";
            if (stores[i] is not JsonObject store)
                throw ApiException.Invalid($"Invalid type for '{p}': expected an object.", p, "invalid_type");
            if (store["file_ids"] is JsonArray { Count: > 10_000 })
                throw ApiException.Invalid($"Invalid '{p}.file_ids': at most 10000 files.", $"{p}.file_ids", "array_above_max_length");
            VectorStoreRequests.Chunking(Chunking(store["chunking_strategy"]), $"{p}.chunking_strategy");
        }
    }

    public static async ValueTask<RawJson> CreateAsync(IStoreSession s, string projectId, RawJson toolResources)
    {
        if (toolResources.IsNull || !toolResources.Text.Contains("vector_stores", StringComparison.Ordinal)
            || toolResources.ToNode() is not JsonObject resources || resources[FileSearchTool.Name] is not JsonObject fileSearch
            || fileSearch["vector_stores"] is not JsonArray stores)
            return toolResources;
        var ids = new JsonArray();
        var now = s.NowMs / 1000;
        foreach (var entry in stores.OfType<JsonObject>())
        {
            var store = new VectorStore
            {
                Id = Ids.VectorStore(), ProjectId = projectId, CreatedAt = now, LastActiveAt = now, EmbeddingModel = VectorStore.ModelChosenAtIndexing,
                Metadata = entry["metadata"] is JsonObject m ? RawJson.From(m) : RawJson.EmptyObject,
            };
            await s.VectorStores.VectorStoreInsertAsync(store);
            var chunking = VectorStoreRequests.Chunking(Chunking(entry["chunking_strategy"]), "chunking_strategy"); // checked by Validate
            foreach (var fileId in (entry["file_ids"] as JsonArray ?? []).Select(f => (string?)f).OfType<string>().Distinct())
                await s.VectorStores.VectorStoreFileInsertAsync(new VectorStoreFile
                {
                    VectorStoreId = store.Id, FileId = fileId, ProjectId = projectId, CreatedAt = now, Chunking = chunking, Attributes = RawJson.EmptyObject,
                });
            ids.Add(store.Id);
        }
        s.Announce(StoreChange.Indexing);
        resources[FileSearchTool.Name] = new JsonObject { ["vector_store_ids"] = ids };
        return RawJson.From(resources);
    }

    private static ChunkingStrategyRequest? Chunking(JsonNode? node) => node is JsonObject o
        ? new ChunkingStrategyRequest
        {
            Type = (string?)o["type"],
            Static = o["static"] is JsonObject st ? new StaticChunkingRequest { MaxChunkSizeTokens = (int?)st["max_chunk_size_tokens"], ChunkOverlapTokens = (int?)st["chunk_overlap_tokens"] } : null,
        }
        : null;
}

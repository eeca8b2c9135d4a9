using System.Text.Json.Nodes;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Retrieval;
using Threadline.Retrieval.FileSearch;
using Threadline.Storage;

namespace Threadline.VectorStores;

/// <summary>
/// Message attachments for <c>file_search</c> go into the thread's own vector store, as hosted: made
/// with the first such attachment (expiring 7 days after its last use) and named in the thread's
/// <c>tool_resources.file_search.vector_store_ids</c>. Runs on the thread then search it.
/// </summary>
internal static class ThreadFiles
{
    private const int ThreadStoreExpiryDays = 7;

    public static async ValueTask AttachAsync(IStoreSession s, Message message)
    {
        var fileIds = SearchableFiles(message.Attachments);
        if (fileIds.Count == 0 || await s.Threads.ThreadGetAsync(message.ProjectId, message.ThreadId) is not { } thread)
            return;
        var now = s.NowMs / 1000;
        var storeId = FileSearchTool.StoresIn(thread.ToolResources.ToNode()).FirstOrDefault();
        if (storeId is null || await s.VectorStores.VectorStoreGetAsync(thread.ProjectId, storeId) is null)
        {
            storeId = Ids.VectorStore();
            await s.VectorStores.VectorStoreInsertAsync(new VectorStore
            {
                Id = storeId, ProjectId = thread.ProjectId, CreatedAt = now, Name = "", Metadata = RawJson.EmptyObject,
                ExpiresAfterDays = ThreadStoreExpiryDays, ExpiresAt = now + ThreadStoreExpiryDays * 86_400L, LastActiveAt = now,
                EmbeddingModel = VectorStore.ModelChosenAtIndexing,
            });
            var resources = thread.ToolResources.ToNode() as JsonObject ?? [];
            resources[FileSearchTool.Name] = new JsonObject { ["vector_store_ids"] = new JsonArray(storeId) };
            await s.Threads.ThreadUpdateAsync(thread with { ToolResources = RawJson.From(resources) });
        }
        foreach (var fileId in fileIds)
            if (await s.Files.FileGetAsync(thread.ProjectId, fileId) is not null)
                await s.VectorStores.VectorStoreFileInsertAsync(new VectorStoreFile
                {
                    VectorStoreId = storeId, FileId = fileId, ProjectId = thread.ProjectId, CreatedAt = now,
                    Chunking = ChunkingStrategy.Auto, Attributes = RawJson.EmptyObject,
                });
        s.Announce(StoreChange.Indexing);
    }

    /// <summary>Whether any attachment may list the <c>file_search</c> tool (a cheap look at the text first).</summary>
    public static bool Searchable(RawJson attachments) =>
        !attachments.IsNull && attachments.Text != "[]" && attachments.Text.Contains(FileSearchTool.Name, StringComparison.Ordinal);

    /// <summary>The files of attachments that list the <c>file_search</c> tool.</summary>
    private static List<string> SearchableFiles(RawJson attachments)
    {
        if (!Searchable(attachments))
            return [];
        return (attachments.ToNode() as JsonArray ?? []).OfType<JsonObject>()
            .Where(a => (a["tools"] as JsonArray)?.OfType<JsonObject>().Any(t => (string?)t["type"] == FileSearchTool.Name) == true)
            .Select(a => (string?)a["file_id"]).OfType<string>().Distinct().ToList();
    }
}

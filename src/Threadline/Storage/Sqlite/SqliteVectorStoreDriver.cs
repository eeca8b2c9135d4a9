using Threadline.Domain;
using Threadline.Retrieval;
using Threadline.Storage.Drivers;
using Threadline.VectorStores;

namespace Threadline.Storage.Sqlite;

internal sealed class SqliteVectorStoreDriver(SqliteSession s) : IVectorStoreDriver
{
    private static readonly string SelectStore = $"SELECT {Rows.VectorStoreColumns} FROM vector_stores x";
    private const string SelectStoreFile = $"SELECT {Rows.VectorStoreFileColumns} FROM vector_store_files x";
    private static readonly string SelectBatch = $"SELECT {Rows.FileBatchColumns} FROM vector_store_file_batches x";

    /// <summary>A store file as a cursor sees it: its file id within the store.</summary>
    private const string StoreFileCursor = "(SELECT seq, file_id AS id, project_id FROM vector_store_files WHERE vector_store_id = $store)";

    public ValueTask VectorStoreInsertAsync(VectorStore v)
    {
        s.Execute("""
            INSERT INTO vector_stores (id, project_id, created_at, name, description, metadata, expires_after_days, expires_at, last_active_at, embedding_model)
            VALUES ($id, $project, $created_at, $name, $description, $metadata, $days, $expires_at, $last_active_at, $model)
            """, ("$id", v.Id), ("$project", v.ProjectId), ("$created_at", v.CreatedAt), ("$name", v.Name), ("$description", v.Description),
            ("$metadata", v.Metadata.Text), ("$days", v.ExpiresAfterDays), ("$expires_at", v.ExpiresAt), ("$last_active_at", v.LastActiveAt),
            ("$model", v.EmbeddingModel));
        return ValueTask.CompletedTask;
    }

    public ValueTask<VectorStore?> VectorStoreGetAsync(string projectId, string storeId) =>
        ValueTask.FromResult(s.Single($"{SelectStore} WHERE x.id = $id AND x.project_id = $project", Rows.VectorStore, ("$id", storeId), ("$project", projectId)));

    public ValueTask<Page<VectorStore>> VectorStoreListAsync(string projectId, PageRequest page) =>
        ValueTask.FromResult(SqlitePaging.Page(s, SelectStore, "vector_stores", "x.project_id = $project", "seq", [("$project", projectId)], page, Rows.VectorStore));

    public ValueTask<bool> VectorStoreUpdateAsync(VectorStore v) =>
        ValueTask.FromResult(s.Execute("""
            UPDATE vector_stores SET name = $name, description = $description, metadata = $metadata, expires_after_days = $days,
                expires_at = $expires_at, last_active_at = $last_active_at
            WHERE id = $id AND project_id = $project
            """, ("$name", v.Name), ("$description", v.Description), ("$metadata", v.Metadata.Text), ("$days", v.ExpiresAfterDays),
            ("$expires_at", v.ExpiresAt), ("$last_active_at", v.LastActiveAt), ("$id", v.Id), ("$project", v.ProjectId)) > 0);

    public ValueTask<bool> VectorStoreDeleteAsync(string projectId, string storeId)
    {
        if (s.Execute("DELETE FROM vector_stores WHERE id = $id AND project_id = $project", ("$id", storeId), ("$project", projectId)) == 0)
            return ValueTask.FromResult(false);
        s.Execute("DELETE FROM chunks WHERE vector_store_id = $id", ("$id", storeId));
        s.Execute("DELETE FROM vector_store_files WHERE vector_store_id = $id", ("$id", storeId));
        s.Execute("DELETE FROM vector_store_file_batches WHERE vector_store_id = $id", ("$id", storeId));
        return ValueTask.FromResult(true);
    }

    public ValueTask<IReadOnlyList<VectorStore>> VectorStoreListExpiredAsync(long nowSeconds, int max) =>
        ValueTask.FromResult<IReadOnlyList<VectorStore>>(s.List($"{SelectStore} WHERE x.expires_at IS NOT NULL AND x.expires_at <= $now ORDER BY x.expires_at LIMIT $max",
            Rows.VectorStore, ("$now", nowSeconds), ("$max", max)));

    public ValueTask<bool> VectorStoreFileInsertAsync(VectorStoreFile f) =>
        ValueTask.FromResult(s.Execute("""
            INSERT INTO vector_store_files (vector_store_id, file_id, project_id, created_at, status, max_chunk_tokens, chunk_overlap_tokens, attributes, batch_id)
            VALUES ($store, $file, $project, $created_at, $status, $max, $overlap, $attributes, $batch)
            ON CONFLICT (vector_store_id, file_id) DO NOTHING
            """, ("$store", f.VectorStoreId), ("$file", f.FileId), ("$project", f.ProjectId), ("$created_at", f.CreatedAt), ("$status", f.Status),
            ("$max", f.Chunking.MaxChunkSizeTokens), ("$overlap", f.Chunking.ChunkOverlapTokens), ("$attributes", f.Attributes.Text), ("$batch", f.BatchId)) > 0);

    public ValueTask<VectorStoreFile?> VectorStoreFileGetAsync(string projectId, string storeId, string fileId) =>
        ValueTask.FromResult(s.Single($"{SelectStoreFile} WHERE x.vector_store_id = $store AND x.file_id = $file AND x.project_id = $project",
            Rows.VectorStoreFile, ("$store", storeId), ("$file", fileId), ("$project", projectId)));

    public ValueTask<Page<VectorStoreFile>> VectorStoreFileListAsync(string projectId, string storeId, string? batchId, string? status, PageRequest page) =>
        ValueTask.FromResult(SqlitePaging.Page(s, SelectStoreFile, StoreFileCursor,
            "x.vector_store_id = $store AND x.project_id = $project AND ($batch IS NULL OR x.batch_id = $batch) AND ($status IS NULL OR x.status = $status)",
            "seq", [("$store", storeId), ("$project", projectId), ("$batch", batchId), ("$status", status)], page, Rows.VectorStoreFile));

    public ValueTask<bool> VectorStoreFileAttributesSetAsync(string projectId, string storeId, string fileId, RawJson attributes) =>
        ValueTask.FromResult(s.Execute("UPDATE vector_store_files SET attributes = $attributes WHERE vector_store_id = $store AND file_id = $file AND project_id = $project",
            ("$attributes", attributes.Text), ("$store", storeId), ("$file", fileId), ("$project", projectId)) > 0);

    public ValueTask<bool> VectorStoreFileDeleteAsync(string projectId, string storeId, string fileId)
    {
        if (s.Execute("DELETE FROM vector_store_files WHERE vector_store_id = $store AND file_id = $file AND project_id = $project",
                ("$store", storeId), ("$file", fileId), ("$project", projectId)) == 0)
            return ValueTask.FromResult(false);
        DropChunks(storeId, fileId);
        return ValueTask.FromResult(true);
    }

    public ValueTask<IReadOnlyList<(string FileId, RawJson Attributes)>> VectorStoreFileAttributesListAsync(string storeId) =>
        ValueTask.FromResult<IReadOnlyList<(string, RawJson)>>(s.List(
            "SELECT file_id, attributes FROM vector_store_files WHERE vector_store_id = $store AND status = 'completed'",
            r => (r.GetString(0), RawJson.Trusted(r.GetString(1))), ("$store", storeId)));

    public ValueTask FileBatchInsertAsync(FileBatch b)
    {
        s.Execute("INSERT INTO vector_store_file_batches (id, vector_store_id, project_id, created_at) VALUES ($id, $store, $project, $created_at)",
            ("$id", b.Id), ("$store", b.VectorStoreId), ("$project", b.ProjectId), ("$created_at", b.CreatedAt));
        return ValueTask.CompletedTask;
    }

    public ValueTask<FileBatch?> FileBatchGetAsync(string projectId, string storeId, string batchId) =>
        ValueTask.FromResult(s.Single($"{SelectBatch} WHERE x.id = $id AND x.vector_store_id = $store AND x.project_id = $project",
            Rows.FileBatch, ("$id", batchId), ("$store", storeId), ("$project", projectId)));

    public ValueTask<bool> FileBatchCancelAsync(string projectId, string storeId, string batchId)
    {
        if (s.Execute("UPDATE vector_store_file_batches SET cancelled = 1 WHERE id = $id AND vector_store_id = $store AND project_id = $project",
                ("$id", batchId), ("$store", storeId), ("$project", projectId)) == 0)
            return ValueTask.FromResult(false);
        s.Execute("""
            UPDATE vector_store_files SET status = 'cancelled', locked_by = NULL, locked_until_ms = NULL
            WHERE batch_id = $id AND status = 'in_progress'
            """, ("$id", batchId));
        return ValueTask.FromResult(true);
    }

    public ValueTask<IndexingJob?> IndexingClaimAsync(string owner, long nowMs, long leaseMs)
    {
        var seq = s.ScalarLong("""
            UPDATE vector_store_files SET locked_by = $owner, locked_until_ms = $until, attempts = attempts + 1
            WHERE seq = (SELECT seq FROM vector_store_files WHERE status = 'in_progress' AND (locked_until_ms IS NULL OR locked_until_ms <= $now)
                         ORDER BY seq LIMIT 1)
            RETURNING seq
            """, ("$owner", owner), ("$until", nowMs + leaseMs), ("$now", nowMs));
        return ValueTask.FromResult(seq is null ? null : s.Single($"{IndexingJobs.Select} WHERE x.seq = $seq", r => IndexingJobs.Map(r, owner), ("$seq", seq)));
    }

    public ValueTask<bool> IndexingExtendAsync(IndexingJob job, long untilMs) =>
        ValueTask.FromResult(s.Execute("""
            UPDATE vector_store_files SET locked_until_ms = $until
            WHERE vector_store_id = $store AND file_id = $file AND locked_by = $owner AND status = 'in_progress'
            """, ("$until", untilMs), ("$store", job.File.VectorStoreId), ("$file", job.File.FileId), ("$owner", job.Owner)) > 0);

    public ValueTask<bool> IndexingCompleteAsync(IndexingJob job, IReadOnlyList<ChunkInsert> chunks, long usageBytes, string embeddingModel)
    {
        if (!Finish(job, VectorStoreFileStatus.Completed, null, null, usageBytes))
            return ValueTask.FromResult(false);
        DropChunks(job.File.VectorStoreId, job.File.FileId);
        s.Execute("""
            UPDATE vector_stores SET chunks_version = chunks_version + 1,
                embedding_model = CASE WHEN embedding_model = '' THEN $model ELSE embedding_model END
            WHERE id = $store
            """, ("$store", job.File.VectorStoreId), ("$model", embeddingModel));
        foreach (var c in chunks)
            s.Execute("""
                INSERT INTO chunks (vector_store_id, file_id, chunk_index, tokens, text, embedding)
                VALUES ($store, $file, $index, $tokens, $text, $embedding)
                """, ("$store", job.File.VectorStoreId), ("$file", job.File.FileId), ("$index", c.Index), ("$tokens", c.Tokens),
                ("$text", c.Text), ("$embedding", c.Embedding));
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> IndexingFailAsync(IndexingJob job, string code, string message) =>
        ValueTask.FromResult(Finish(job, VectorStoreFileStatus.Failed, code, message, 0));

    public ValueTask<long?> IndexingNextDueAsync(long nowMs) =>
        ValueTask.FromResult(s.ScalarLong("""
            SELECT min(CASE WHEN locked_until_ms IS NULL OR locked_until_ms <= $now THEN $now ELSE locked_until_ms END)
            FROM vector_store_files WHERE status = 'in_progress'
            """, ("$now", nowMs)));

    public ValueTask<long?> ChunksVersionGetAsync(string storeId) =>
        ValueTask.FromResult(s.ScalarLong("SELECT chunks_version FROM vector_stores WHERE id = $id", ("$id", storeId)));

    public ValueTask ChunkVectorsReadAsync(string storeId, Action<long, string, byte[]> each)
    {
        using var reader = SqliteSession.Bind(s.Command("SELECT id, file_id, embedding FROM chunks WHERE vector_store_id = $store ORDER BY id"),
            [("$store", storeId)]).ExecuteReader();
        while (reader.Read())
            each(reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<(long Id, double Score)>> ChunkKeywordSearchAsync(IReadOnlyList<string> storeIds, string query, int limit)
    {
        if (KeywordQuery.ToFts5(query) is not { } match || storeIds.Count == 0)
            return ValueTask.FromResult<IReadOnlyList<(long, double)>>([]);
        // bm25() is lower for better matches: negated, so that higher is better as the contract says.
        return ValueTask.FromResult<IReadOnlyList<(long, double)>>(s.List("""
            SELECT c.id, -bm25(chunks_fts) AS score FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
            WHERE chunks_fts MATCH $match AND c.vector_store_id IN (SELECT value FROM json_each($stores))
            ORDER BY bm25(chunks_fts) LIMIT $limit
            """, r => (r.GetInt64(0), r.GetDouble(1)), ("$match", match), ("$stores", SqlValues.JsonArray(storeIds)), ("$limit", limit)));
    }

    public ValueTask<IReadOnlyList<ChunkText>> ChunkTextsAsync(IReadOnlyList<long> ids) =>
        ValueTask.FromResult<IReadOnlyList<ChunkText>>(s.List($"""
            SELECT {Rows.ChunkTextColumns} FROM chunks c
            LEFT JOIN files fl ON fl.id = c.file_id
            LEFT JOIN vector_store_files vf ON vf.vector_store_id = c.vector_store_id AND vf.file_id = c.file_id
            WHERE c.id IN (SELECT value FROM json_each($ids))
            """, Rows.ChunkText, ("$ids", SqlValues.JsonArray(ids))));

    public ValueTask<IReadOnlyList<string>> ChunkTextsOfFileAsync(string storeId, string fileId) =>
        ValueTask.FromResult<IReadOnlyList<string>>(s.List("SELECT text FROM chunks WHERE vector_store_id = $store AND file_id = $file ORDER BY chunk_index",
            r => r.GetString(0), ("$store", storeId), ("$file", fileId)));

    private bool Finish(IndexingJob job, string status, string? code, string? message, long usageBytes) =>
        s.Execute("""
            UPDATE vector_store_files SET status = $status, last_error_code = $code, last_error_message = $message, usage_bytes = $usage,
                locked_by = NULL, locked_until_ms = NULL
            WHERE vector_store_id = $store AND file_id = $file AND locked_by = $owner AND status = 'in_progress'
            """, ("$status", status), ("$code", code), ("$message", message), ("$usage", usageBytes),
            ("$store", job.File.VectorStoreId), ("$file", job.File.FileId), ("$owner", job.Owner)) > 0;

    private void DropChunks(string storeId, string fileId)
    {
        if (s.Execute("DELETE FROM chunks WHERE vector_store_id = $store AND file_id = $file", ("$store", storeId), ("$file", fileId)) > 0)
            s.Execute("UPDATE vector_stores SET chunks_version = chunks_version + 1 WHERE id = $store", ("$store", storeId));
    }
}

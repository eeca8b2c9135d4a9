using Threadline.Domain;
using Threadline.Retrieval;
using Threadline.Storage.Drivers;
using Threadline.VectorStores;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresVectorStoreDriver(PostgresSession s) : IVectorStoreDriver
{
    private static readonly string SelectStore = $"SELECT {Rows.VectorStoreColumns} FROM vector_stores x";
    private const string SelectStoreFile = $"SELECT {Rows.VectorStoreFileColumns} FROM vector_store_files x";
    private static readonly string SelectBatch = $"SELECT {Rows.FileBatchColumns} FROM vector_store_file_batches x";

    /// <summary>A store file as a cursor sees it: its file id within the store (PostgreSQL 15 wants a subquery in FROM named).</summary>
    private const string StoreFileCursor = "(SELECT seq, file_id AS id, project_id FROM vector_store_files WHERE vector_store_id = @store) AS cursor_files";

    public async ValueTask VectorStoreInsertAsync(VectorStore v) =>
        await s.ExecuteAsync("""
            INSERT INTO vector_stores (id, project_id, created_at, name, description, metadata, expires_after_days, expires_at, last_active_at, embedding_model)
            VALUES (@id, @project, @created_at, @name, @description, @metadata, @days, @expires_at, @last_active_at, @model)
            """, ("id", v.Id), ("project", v.ProjectId), ("created_at", v.CreatedAt), ("name", v.Name), ("description", v.Description),
            ("metadata", v.Metadata.Text), ("days", (long?)v.ExpiresAfterDays), ("expires_at", v.ExpiresAt), ("last_active_at", v.LastActiveAt),
            ("model", v.EmbeddingModel));

    public ValueTask<VectorStore?> VectorStoreGetAsync(string projectId, string storeId) =>
        s.SingleAsync($"{SelectStore} WHERE x.id = @id AND x.project_id = @project", Rows.VectorStore, ("id", storeId), ("project", projectId));

    public ValueTask<Page<VectorStore>> VectorStoreListAsync(string projectId, PageRequest page) =>
        PostgresPaging.PageAsync(s, SelectStore, "vector_stores", "x.project_id = @project", "seq", [("project", projectId)], page, Rows.VectorStore);

    public async ValueTask<bool> VectorStoreUpdateAsync(VectorStore v) =>
        await s.ExecuteAsync("""
            UPDATE vector_stores SET name = @name, description = @description, metadata = @metadata, expires_after_days = @days,
                expires_at = @expires_at, last_active_at = @last_active_at
            WHERE id = @id AND project_id = @project
            """, ("name", v.Name), ("description", v.Description), ("metadata", v.Metadata.Text), ("days", (long?)v.ExpiresAfterDays),
            ("expires_at", v.ExpiresAt), ("last_active_at", v.LastActiveAt), ("id", v.Id), ("project", v.ProjectId)) > 0;

    public async ValueTask<bool> VectorStoreDeleteAsync(string projectId, string storeId)
    {
        if (await s.ExecuteAsync("DELETE FROM vector_stores WHERE id = @id AND project_id = @project", ("id", storeId), ("project", projectId)) == 0)
            return false;
        await s.ExecuteAsync("DELETE FROM chunks WHERE vector_store_id = @id", ("id", storeId));
        await s.ExecuteAsync("DELETE FROM vector_store_files WHERE vector_store_id = @id", ("id", storeId));
        await s.ExecuteAsync("DELETE FROM vector_store_file_batches WHERE vector_store_id = @id", ("id", storeId));
        return true;
    }

    public async ValueTask<IReadOnlyList<VectorStore>> VectorStoreListExpiredAsync(long nowSeconds, int max) =>
        await s.ListAsync($"{SelectStore} WHERE x.expires_at IS NOT NULL AND x.expires_at <= @now ORDER BY x.expires_at LIMIT @max",
            Rows.VectorStore, ("now", nowSeconds), ("max", (long)max));

    public async ValueTask<bool> VectorStoreFileInsertAsync(VectorStoreFile f) =>
        await s.ExecuteAsync("""
            INSERT INTO vector_store_files (vector_store_id, file_id, project_id, created_at, status, max_chunk_tokens, chunk_overlap_tokens, attributes, batch_id)
            VALUES (@store, @file, @project, @created_at, @status, @max, @overlap, @attributes, @batch)
            ON CONFLICT (vector_store_id, file_id) DO NOTHING
            """, ("store", f.VectorStoreId), ("file", f.FileId), ("project", f.ProjectId), ("created_at", f.CreatedAt), ("status", f.Status),
            ("max", (long)f.Chunking.MaxChunkSizeTokens), ("overlap", (long)f.Chunking.ChunkOverlapTokens), ("attributes", f.Attributes.Text),
            ("batch", f.BatchId)) > 0;

    public ValueTask<VectorStoreFile?> VectorStoreFileGetAsync(string projectId, string storeId, string fileId) =>
        s.SingleAsync($"{SelectStoreFile} WHERE x.vector_store_id = @store AND x.file_id = @file AND x.project_id = @project",
            Rows.VectorStoreFile, ("store", storeId), ("file", fileId), ("project", projectId));

    public ValueTask<Page<VectorStoreFile>> VectorStoreFileListAsync(string projectId, string storeId, string? batchId, string? status, PageRequest page) =>
        PostgresPaging.PageAsync(s, SelectStoreFile, StoreFileCursor,
            "x.vector_store_id = @store AND x.project_id = @project AND (@batch::text IS NULL OR x.batch_id = @batch::text) " +
            "AND (@status::text IS NULL OR x.status = @status::text)",
            "seq", [("store", storeId), ("project", projectId), ("batch", batchId), ("status", status)], page, Rows.VectorStoreFile);

    public async ValueTask<bool> VectorStoreFileAttributesSetAsync(string projectId, string storeId, string fileId, RawJson attributes) =>
        await s.ExecuteAsync("UPDATE vector_store_files SET attributes = @attributes WHERE vector_store_id = @store AND file_id = @file AND project_id = @project",
            ("attributes", attributes.Text), ("store", storeId), ("file", fileId), ("project", projectId)) > 0;

    public async ValueTask<bool> VectorStoreFileDeleteAsync(string projectId, string storeId, string fileId)
    {
        if (await s.ExecuteAsync("DELETE FROM vector_store_files WHERE vector_store_id = @store AND file_id = @file AND project_id = @project",
                ("store", storeId), ("file", fileId), ("project", projectId)) == 0)
            return false;
        await DropChunksAsync(storeId, fileId);
        return true;
    }

    public async ValueTask<IReadOnlyList<(string FileId, RawJson Attributes)>> VectorStoreFileAttributesListAsync(string storeId) =>
        await s.ListAsync("SELECT file_id, attributes FROM vector_store_files WHERE vector_store_id = @store AND status = 'completed'",
            r => (r.GetString(0), RawJson.Trusted(r.GetString(1))), ("store", storeId));

    public async ValueTask FileBatchInsertAsync(FileBatch b) =>
        await s.ExecuteAsync("INSERT INTO vector_store_file_batches (id, vector_store_id, project_id, created_at) VALUES (@id, @store, @project, @created_at)",
            ("id", b.Id), ("store", b.VectorStoreId), ("project", b.ProjectId), ("created_at", b.CreatedAt));

    public ValueTask<FileBatch?> FileBatchGetAsync(string projectId, string storeId, string batchId) =>
        s.SingleAsync($"{SelectBatch} WHERE x.id = @id AND x.vector_store_id = @store AND x.project_id = @project",
            Rows.FileBatch, ("id", batchId), ("store", storeId), ("project", projectId));

    public async ValueTask<bool> FileBatchCancelAsync(string projectId, string storeId, string batchId)
    {
        if (await s.ExecuteAsync("UPDATE vector_store_file_batches SET cancelled = 1 WHERE id = @id AND vector_store_id = @store AND project_id = @project",
                ("id", batchId), ("store", storeId), ("project", projectId)) == 0)
            return false;
        await s.ExecuteAsync("""
            UPDATE vector_store_files SET status = 'cancelled', locked_by = NULL, locked_until_ms = NULL
            WHERE batch_id = @id AND status = 'in_progress'
            """, ("id", batchId));
        return true;
    }

    public async ValueTask<IndexingJob?> IndexingClaimAsync(string owner, long nowMs, long leaseMs)
    {
        // SKIP LOCKED: a file another node is claiming (or finishing) right now is left to it, and this one takes the next.
        var seq = await s.ScalarLongAsync("""
            UPDATE vector_store_files SET locked_by = @owner, locked_until_ms = @until, attempts = attempts + 1
            WHERE seq = (SELECT seq FROM vector_store_files WHERE status = 'in_progress' AND (locked_until_ms IS NULL OR locked_until_ms <= @now)
                         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING seq
            """, ("owner", owner), ("until", nowMs + leaseMs), ("now", nowMs));
        if (seq is null)
            return null;
        s.Locked();
        return await s.SingleAsync($"{IndexingJobs.Select} WHERE x.seq = @seq", r => IndexingJobs.Map(r, owner), ("seq", seq));
    }

    public async ValueTask<bool> IndexingExtendAsync(IndexingJob job, long untilMs) =>
        await s.ExecuteAsync("""
            UPDATE vector_store_files SET locked_until_ms = @until
            WHERE vector_store_id = @store AND file_id = @file AND locked_by = @owner AND status = 'in_progress'
            """, ("until", untilMs), ("store", job.File.VectorStoreId), ("file", job.File.FileId), ("owner", job.Owner)) > 0;

    public async ValueTask<bool> IndexingCompleteAsync(IndexingJob job, IReadOnlyList<ChunkInsert> chunks, long usageBytes, string embeddingModel)
    {
        if (!await FinishAsync(job, VectorStoreFileStatus.Completed, null, null, usageBytes))
            return false;
        await DropChunksAsync(job.File.VectorStoreId, job.File.FileId);
        await s.ExecuteAsync("""
            UPDATE vector_stores SET chunks_version = chunks_version + 1,
                embedding_model = CASE WHEN embedding_model = '' THEN @model ELSE embedding_model END
            WHERE id = @store
            """, ("store", job.File.VectorStoreId), ("model", embeddingModel));
        if (chunks.Count > 0)
            // One statement for the whole file, in chunk order (ids follow it, as the vectors are read back).
            await s.ExecuteAsync("""
                INSERT INTO chunks (vector_store_id, file_id, chunk_index, tokens, text, embedding)
                SELECT @store, @file, c.chunk_index, c.tokens, c.text, c.embedding
                FROM unnest(@indexes::bigint[], @tokens::bigint[], @texts::text[], @embeddings::bytea[]) WITH ORDINALITY
                     AS c(chunk_index, tokens, text, embedding, n)
                ORDER BY c.n
                """, ("store", job.File.VectorStoreId), ("file", job.File.FileId),
                ("indexes", chunks.Select(c => (long)c.Index).ToArray()), ("tokens", chunks.Select(c => (long)c.Tokens).ToArray()),
                ("texts", chunks.Select(c => c.Text).ToArray()), ("embeddings", chunks.Select(c => c.Embedding).ToArray()));
        return true;
    }

    public async ValueTask<bool> IndexingFailAsync(IndexingJob job, string code, string message) =>
        await FinishAsync(job, VectorStoreFileStatus.Failed, code, message, 0);

    public ValueTask<long?> IndexingNextDueAsync(long nowMs) =>
        s.ScalarLongAsync("""
            SELECT min(CASE WHEN locked_until_ms IS NULL OR locked_until_ms <= @now::bigint THEN @now::bigint ELSE locked_until_ms END)
            FROM vector_store_files WHERE status = 'in_progress'
            """, ("now", nowMs));

    public ValueTask<long?> ChunksVersionGetAsync(string storeId) =>
        s.ScalarLongAsync("SELECT chunks_version FROM vector_stores WHERE id = @id", ("id", storeId));

    public async ValueTask ChunkVectorsReadAsync(string storeId, Action<long, string, byte[]> each)
    {
        await using var command = s.Command("SELECT id, file_id, embedding FROM chunks WHERE vector_store_id = @store ORDER BY id", [("store", storeId)]);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            each(reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2));
    }

    public async ValueTask<IReadOnlyList<(long Id, double Score)>> ChunkKeywordSearchAsync(IReadOnlyList<string> storeIds, string query, int limit)
    {
        if (KeywordQuery.ToPostgresTsQuery(query) is not { } match || storeIds.Count == 0)
            return [];
        return await s.ListAsync("""
            SELECT c.id, ts_rank_cd(c.tsv, q)::double precision AS score
            FROM chunks c, to_tsquery('english', @q) q
            WHERE c.tsv @@ q AND c.vector_store_id = ANY(@stores)
            ORDER BY score DESC, c.id LIMIT @limit
            """, r => (r.GetInt64(0), r.GetDouble(1)), ("q", match), ("stores", storeIds.ToArray()), ("limit", (long)limit));
    }

    public async ValueTask<IReadOnlyList<ChunkText>> ChunkTextsAsync(IReadOnlyList<long> ids) =>
        await s.ListAsync($"""
            SELECT {Rows.ChunkTextColumns} FROM chunks c
            LEFT JOIN files fl ON fl.id = c.file_id
            LEFT JOIN vector_store_files vf ON vf.vector_store_id = c.vector_store_id AND vf.file_id = c.file_id
            WHERE c.id = ANY(@ids)
            """, Rows.ChunkText, ("ids", ids.ToArray()));

    public async ValueTask<IReadOnlyList<string>> ChunkTextsOfFileAsync(string storeId, string fileId) =>
        await s.ListAsync("SELECT text FROM chunks WHERE vector_store_id = @store AND file_id = @file ORDER BY chunk_index",
            r => r.GetString(0), ("store", storeId), ("file", fileId));

    private async ValueTask<bool> FinishAsync(IndexingJob job, string status, string? code, string? message, long usageBytes) =>
        await s.ExecuteAsync("""
            UPDATE vector_store_files SET status = @status, last_error_code = @code, last_error_message = @message, usage_bytes = @usage,
                locked_by = NULL, locked_until_ms = NULL
            WHERE vector_store_id = @store AND file_id = @file AND locked_by = @owner AND status = 'in_progress'
            """, ("status", status), ("code", code), ("message", message), ("usage", usageBytes),
            ("store", job.File.VectorStoreId), ("file", job.File.FileId), ("owner", job.Owner)) > 0;

    private async ValueTask DropChunksAsync(string storeId, string fileId)
    {
        if (await s.ExecuteAsync("DELETE FROM chunks WHERE vector_store_id = @store AND file_id = @file", ("store", storeId), ("file", fileId)) > 0)
            await s.ExecuteAsync("UPDATE vector_stores SET chunks_version = chunks_version + 1 WHERE id = @store", ("store", storeId));
    }
}

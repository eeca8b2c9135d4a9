using Threadline.Files;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresFileDriver(PostgresSession s) : IFileDriver
{
    private const string SelectFile = $"SELECT {Rows.FileColumns} FROM files x";

    public async ValueTask FileInsertAsync(StoredFile f) =>
        await s.ExecuteAsync("""
            INSERT INTO files (id, project_id, created_at, expires_at, filename, purpose, bytes)
            VALUES (@id, @project, @created_at, @expires_at, @filename, @purpose, @bytes)
            """, ("id", f.Id), ("project", f.ProjectId), ("created_at", f.CreatedAt), ("expires_at", f.ExpiresAt),
            ("filename", f.Filename), ("purpose", f.Purpose), ("bytes", f.Bytes));

    public ValueTask<StoredFile?> FileGetAsync(string projectId, string fileId) =>
        s.SingleAsync($"{SelectFile} WHERE x.id = @id AND x.project_id = @project", Rows.File, ("id", fileId), ("project", projectId));

    public ValueTask<Page<StoredFile>> FileListAsync(string projectId, string? purpose, PageRequest page) =>
        PostgresPaging.PageAsync(s, SelectFile, "files", "x.project_id = @project AND (@purpose::text IS NULL OR x.purpose = @purpose::text)", "seq",
            [("project", projectId), ("purpose", purpose)], page, Rows.File);

    public async ValueTask<bool> FileDeleteAsync(string projectId, string fileId)
    {
        if (await s.ExecuteAsync("DELETE FROM files WHERE id = @id AND project_id = @project", ("id", fileId), ("project", projectId)) == 0)
            return false;
        await s.ExecuteAsync("""
            UPDATE vector_stores SET chunks_version = chunks_version + 1
            WHERE id IN (SELECT vector_store_id FROM vector_store_files WHERE file_id = @id)
            """, ("id", fileId));
        await s.ExecuteAsync("DELETE FROM chunks WHERE file_id = @id AND vector_store_id IN (SELECT vector_store_id FROM vector_store_files WHERE file_id = @id)",
            ("id", fileId));
        await s.ExecuteAsync("DELETE FROM vector_store_files WHERE file_id = @id AND project_id = @project", ("id", fileId), ("project", projectId));
        return true;
    }

    public async ValueTask<IReadOnlyList<StoredFile>> FileListExpiredAsync(long nowSeconds, int max) =>
        await s.ListAsync($"{SelectFile} WHERE x.expires_at IS NOT NULL AND x.expires_at <= @now ORDER BY x.expires_at LIMIT @max",
            Rows.File, ("now", nowSeconds), ("max", (long)max));
}

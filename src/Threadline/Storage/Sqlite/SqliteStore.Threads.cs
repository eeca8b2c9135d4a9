using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using Threadline.Threads;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    private const string SelectThread = $"""
        SELECT x.*,
               (SELECT r.id FROM runs r WHERE r.thread_id = x.id AND r.status IN {ActiveStatuses}) AS active_run_id,
               (SELECT count(*) FROM runs r WHERE r.thread_id = x.id AND r.status = 'queued') AS queued_run_count
        FROM threads x
        """;

    public Task<ThreadCreateResult> ThreadCreateAsync(ThreadCreate create, CancellationToken ct) =>
        db.WriteAsync((c, tx) => ThreadCreateAsync(c, tx, create, Now(create.NowMs)), ct);

    /// <summary>Find the thread by external id or make it, then add the messages: one transaction, so concurrent callers with one external id share one thread.</summary>
    private static async Task<ThreadCreateResult> ThreadCreateAsync(SqliteConnection c, IDbTransaction tx, ThreadCreate create, long nowMs)
    {
        var t = create.Thread;
        var existing = t.ExternalId is null ? null : await SingleAsync(c,
            $"{SelectThread} WHERE x.project_id = @ProjectId AND x.external_id = @ExternalId", new { t.ProjectId, t.ExternalId }, Rows.Thread, tx);
        if (existing is null)
        {
            await c.ExecuteAsync("""
                INSERT INTO threads (id, project_id, created_at, external_id, tool_resources, metadata)
                VALUES (@Id, @ProjectId, @CreatedAt, @ExternalId, @ToolResources, @Metadata)
                """, new
            {
                t.Id, t.ProjectId, t.CreatedAt, t.ExternalId,
                ToolResources = JsonColumns.Write(t.ToolResources), Metadata = JsonColumns.Write(t.Metadata),
            }, tx);
        }
        var thread = existing ?? t;
        foreach (var message in create.Messages)
            await MessageAppendAsync(c, tx, message with { ThreadId = thread.Id }, nowMs);
        return new ThreadCreateResult(existing is null ? await ThreadReadAsync(c, tx, thread.ProjectId, thread.Id) ?? thread : existing, existing is null);
    }

    private static Task<ConversationThread?> ThreadReadAsync(SqliteConnection c, IDbTransaction? tx, string projectId, string threadId) =>
        SingleAsync(c, $"{SelectThread} WHERE x.id = @threadId AND x.project_id = @projectId", new { projectId, threadId }, Rows.Thread, tx);

    public Task<ConversationThread?> ThreadGetAsync(string projectId, string threadId, CancellationToken ct) =>
        db.ReadAsync(c => ThreadReadAsync(c, null, projectId, threadId), ct);

    /// <summary>Without the queue fields: the check that guards every thread-scoped request.</summary>
    public Task<bool> ThreadExistsAsync(string projectId, string threadId, CancellationToken ct) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM threads WHERE id = @threadId AND project_id = @projectId)", new { projectId, threadId }), ct);

    public async Task<bool> ThreadUpdateAsync(ConversationThread t, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync("""
            UPDATE threads SET tool_resources = @ToolResources, metadata = @Metadata
            WHERE id = @Id AND project_id = @ProjectId
            """, new { t.Id, t.ProjectId, ToolResources = JsonColumns.Write(t.ToolResources), Metadata = JsonColumns.Write(t.Metadata) }, tx), ct) > 0;

    /// <summary>A thread goes with its messages, runs and steps.</summary>
    public async Task<bool> ThreadDeleteAsync(string projectId, string threadId, CancellationToken ct) =>
        await db.WriteAsync(async (c, tx) =>
        {
            var deleted = await c.ExecuteAsync("DELETE FROM threads WHERE id = @threadId AND project_id = @projectId", new { projectId, threadId }, tx);
            if (deleted == 0)
                return false;
            await c.ExecuteAsync("""
                DELETE FROM messages WHERE thread_id = @threadId;
                DELETE FROM run_steps WHERE thread_id = @threadId;
                DELETE FROM runs WHERE thread_id = @threadId;
                """, new { threadId }, tx);
            return true;
        }, ct);

    public Task<Page<ConversationThread>> ThreadListAsync(ThreadFilter filter, PageRequest page, CancellationToken ct) =>
        db.ReadAsync(c =>
        {
            var parameters = new DynamicParameters(new { filter.ProjectId, filter.ExternalId });
            var scope = "x.project_id = @ProjectId" + (filter.ExternalId is null ? "" : " AND x.external_id = @ExternalId");
            var i = 0;
            foreach (var (key, value) in filter.Metadata)
            {
                parameters.Add($"mk{i}", "$.\"" + key.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"");
                parameters.Add($"mv{i}", value);
                scope += $" AND json_extract(x.metadata, @mk{i}) = @mv{i}";
                i++;
            }
            return PageAsync(c, SelectThread, "threads", scope, "seq", parameters, page, Rows.Thread);
        }, ct);
}

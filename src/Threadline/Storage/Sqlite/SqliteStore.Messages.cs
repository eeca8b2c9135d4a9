using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using Threadline.Messages;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    private const string SelectMessage = "SELECT x.* FROM messages x";

    /// <summary>Positions of API messages are spaced this far apart, leaving room for the replies placed after them.</summary>
    private const int PositionSpacing = 1 << 16;

    public Task<MessageCreateResult> MessageCreateAsync(MessageCreate create, CancellationToken ct) =>
        db.WriteAsync<MessageCreateResult>(async (c, tx) =>
        {
            var m = create.Message;
            if (await c.ExecuteScalarAsync<long>("SELECT count(*) FROM threads WHERE id = @ThreadId AND project_id = @ProjectId", new { m.ThreadId, m.ProjectId }, tx) == 0)
                return new(null, ThreadMissing: true, null);
            if (create.RejectIfActive && await RunBlockingAsync(c, tx, m.ThreadId) is { } blocking)
                return new(null, false, blocking);
            return new(await MessageAppendAsync(c, tx, m, Now(create.NowMs)), false, null);
        }, ct);

    /// <summary>
    /// Adds a message at the thread's next position. A user message also restarts the quiet
    /// period of the thread's debounced runs, bounded by their maximum wait.
    /// </summary>
    private static async Task<Message> MessageAppendAsync(SqliteConnection c, IDbTransaction tx, Message m, long nowMs)
    {
        var slot = await c.ExecuteScalarAsync<long>(
            "UPDATE threads SET last_position = last_position + 1 WHERE id = @ThreadId RETURNING last_position", new { m.ThreadId }, tx);
        var placed = m with { Position = slot * PositionSpacing };
        await MessageInsertAsync(c, tx, placed);
        if (m.Role == MessageRole.User)
        {
            await c.ExecuteAsync("""
                UPDATE runs SET eligible_at_ms = MIN(MAX(eligible_at_ms, @nowMs + debounce_ms), created_at_ms + max_wait_ms)
                WHERE thread_id = @ThreadId AND status = 'queued' AND debounce_ms > 0
                """, new { m.ThreadId, nowMs }, tx);
        }
        return placed;
    }

    private static Task MessageInsertAsync(SqliteConnection c, IDbTransaction tx, Message m) =>
        c.ExecuteAsync("""
            INSERT INTO messages (id, project_id, thread_id, position, created_at, status, incomplete_reason, completed_at,
                                  incomplete_at, role, content, assistant_id, run_id, attachments, metadata)
            VALUES (@Id, @ProjectId, @ThreadId, @Position, @CreatedAt, @Status, @IncompleteReason, @CompletedAt,
                    @IncompleteAt, @Role, @Content, @AssistantId, @RunId, @Attachments, @Metadata)
            """, new
        {
            m.Id, m.ProjectId, m.ThreadId, m.Position, m.CreatedAt, m.Status, m.IncompleteReason, m.CompletedAt,
            m.IncompleteAt, m.Role, Content = JsonColumns.Write(m.Content), m.AssistantId, m.RunId,
            Attachments = JsonColumns.Write(m.Attachments), Metadata = JsonColumns.Write(m.Metadata),
        }, tx);

    public Task<Message?> MessageGetAsync(string projectId, string threadId, string messageId, CancellationToken ct) =>
        db.ReadAsync(c => SingleAsync(c, $"{SelectMessage} WHERE x.id = @messageId AND x.thread_id = @threadId AND x.project_id = @projectId",
            new { projectId, threadId, messageId }, Rows.Message), ct);

    public async Task<bool> MessageUpdateAsync(Message m, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE messages SET metadata = @Metadata WHERE id = @Id AND thread_id = @ThreadId AND project_id = @ProjectId",
            new { m.Id, m.ThreadId, m.ProjectId, Metadata = JsonColumns.Write(m.Metadata) }, tx), ct) > 0;

    public async Task<bool> MessageDeleteAsync(string projectId, string threadId, string messageId, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(
            "DELETE FROM messages WHERE id = @messageId AND thread_id = @threadId AND project_id = @projectId",
            new { projectId, threadId, messageId }, tx), ct) > 0;

    public Task<Page<Message>> MessageListAsync(string projectId, string threadId, string? runId, PageRequest page, CancellationToken ct) =>
        db.ReadAsync(c => PageAsync(c, SelectMessage, "messages",
            "x.thread_id = @threadId AND x.project_id = @projectId" + (runId is null ? "" : " AND x.run_id = @runId"),
            "position, seq", new DynamicParameters(new { projectId, threadId, runId }), page, Rows.Message), ct);
}

using Threadline.Domain;
using Threadline.Messages;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresMessageDriver(PostgresSession s) : IMessageDriver
{
    private const string Select = $"SELECT {Rows.MessageColumns} FROM messages x";

    public async ValueTask MessageInsertAsync(Message m) =>
        await s.ExecuteAsync("""
            INSERT INTO messages (id, project_id, thread_id, position, created_at, status, incomplete_reason, completed_at,
                                  incomplete_at, role, content, assistant_id, run_id, attachments, metadata)
            VALUES (@id, @project, @thread, @position, @created_at, @status, @incomplete_reason, @completed_at,
                    @incomplete_at, @role, @content, @assistant, @run, @attachments, @metadata)
            """, ("id", m.Id), ("project", m.ProjectId), ("thread", m.ThreadId), ("position", m.Position), ("created_at", m.CreatedAt),
            ("status", m.Status), ("incomplete_reason", m.IncompleteReason), ("completed_at", m.CompletedAt), ("incomplete_at", m.IncompleteAt),
            ("role", m.Role), ("content", m.Content.Text), ("assistant", m.AssistantId), ("run", m.RunId),
            ("attachments", m.Attachments.OrNull()), ("metadata", m.Metadata.Text));

    public ValueTask<Message?> MessageGetAsync(string projectId, string threadId, string messageId) =>
        s.SingleAsync($"{Select} WHERE x.id = @id AND x.thread_id = @thread AND x.project_id = @project", Rows.Message,
            ("id", messageId), ("thread", threadId), ("project", projectId));

    public async ValueTask<bool> MessageMetadataUpdateAsync(string projectId, string threadId, string messageId, RawJson metadata) =>
        await s.ExecuteAsync("UPDATE messages SET metadata = @metadata WHERE id = @id AND thread_id = @thread AND project_id = @project",
            ("metadata", metadata.Text), ("id", messageId), ("thread", threadId), ("project", projectId)) > 0;

    public async ValueTask<bool> MessageDeleteAsync(string projectId, string threadId, string messageId) =>
        await s.ExecuteAsync("DELETE FROM messages WHERE id = @id AND thread_id = @thread AND project_id = @project",
            ("id", messageId), ("thread", threadId), ("project", projectId)) > 0;

    public ValueTask<Page<Message>> MessageListAsync(string projectId, string threadId, string? runId, PageRequest page, bool messagesOnly)
    {
        var parameters = new List<(string, object?)> { ("thread", threadId), ("project", projectId) };
        var scope = "x.thread_id = @thread AND x.project_id = @project";
        if (runId is not null)
        {
            scope += " AND x.run_id = @run";
            parameters.Add(("run", runId));
        }
        if (messagesOnly)
            scope += " AND x.role NOT IN ('function_call', 'function_call_output')";
        return PostgresPaging.PageAsync(s, Select, "messages", scope, "position, seq", parameters, page, Rows.Message);
    }

    public async ValueTask<IReadOnlyList<Message>> MessageContextListAsync(MessageContextList list) =>
        await s.ListAsync($"""
            {Select} WHERE x.thread_id = @thread AND x.position < @before AND (x.run_id IS NULL OR x.run_id <> @run)
            ORDER BY x.position DESC, x.seq DESC LIMIT @max
            """, Rows.Message, ("thread", list.ThreadId), ("before", list.BeforePosition), ("run", list.ExcludeRunId), ("max", (long)list.Max));

    public async ValueTask<IReadOnlyList<Message>> MessageListByRunAsync(string runId) =>
        await s.ListAsync($"{Select} WHERE x.run_id = @run ORDER BY x.position, x.seq", Rows.Message, ("run", runId));

    public async ValueTask<bool> MessageFunctionCallExistsAsync(string threadId, string callId) =>
        await s.ScalarAsync("""
            SELECT EXISTS (SELECT 1 FROM messages WHERE thread_id = @thread AND role = 'function_call' AND (content::jsonb) -> 0 ->> 'call_id' = @call)
            """, ("thread", threadId), ("call", callId)) is true;

    public async ValueTask<long> MessageReplyPositionGetAsync(string threadId, long beforePosition) =>
        await s.ScalarLongAsync("SELECT COALESCE(MAX(position), 0) + 1 FROM messages WHERE thread_id = @thread AND position < @before",
            ("thread", threadId), ("before", beforePosition)) ?? 1;

    public async ValueTask MessageEndAsync(MessageEnd e) =>
        await s.ExecuteAsync("""
            UPDATE messages SET content = @content, status = @status, incomplete_reason = @reason,
                completed_at = @completed_at, incomplete_at = @incomplete_at
            WHERE id = @id
            """, ("content", e.Content.Text), ("status", e.Status), ("reason", e.IncompleteReason), ("completed_at", e.CompletedAt),
            ("incomplete_at", e.IncompleteAt), ("id", e.MessageId));

    public ValueTask<int> MessageOpenCloseAsync(string runId, string reason, long at) =>
        s.ExecuteAsync("""
            UPDATE messages SET status = 'incomplete', incomplete_at = @at, incomplete_reason = @reason
            WHERE run_id = @run AND status = 'in_progress'
            """, ("at", at), ("reason", reason), ("run", runId));
}

using Threadline.Domain;
using Threadline.Messages;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Sqlite;

internal sealed class SqliteMessageDriver(SqliteSession s) : IMessageDriver
{
    private const string Select = $"SELECT {Rows.MessageColumns} FROM messages x";

    public ValueTask MessageInsertAsync(Message m)
    {
        s.Execute("""
            INSERT INTO messages (id, project_id, thread_id, position, created_at, status, incomplete_reason, completed_at,
                                  incomplete_at, role, content, assistant_id, run_id, attachments, metadata)
            VALUES ($id, $project, $thread, $position, $created_at, $status, $incomplete_reason, $completed_at,
                    $incomplete_at, $role, $content, $assistant, $run, $attachments, $metadata)
            """, ("$id", m.Id), ("$project", m.ProjectId), ("$thread", m.ThreadId), ("$position", m.Position), ("$created_at", m.CreatedAt),
            ("$status", m.Status), ("$incomplete_reason", m.IncompleteReason), ("$completed_at", m.CompletedAt), ("$incomplete_at", m.IncompleteAt),
            ("$role", m.Role), ("$content", m.Content.Text), ("$assistant", m.AssistantId), ("$run", m.RunId),
            ("$attachments", m.Attachments.OrNull()), ("$metadata", m.Metadata.Text));
        return ValueTask.CompletedTask;
    }

    public ValueTask<Message?> MessageGetAsync(string projectId, string threadId, string messageId) =>
        ValueTask.FromResult(s.Single($"{Select} WHERE x.id = $id AND x.thread_id = $thread AND x.project_id = $project", Rows.Message,
            ("$id", messageId), ("$thread", threadId), ("$project", projectId)));

    public ValueTask<bool> MessageMetadataUpdateAsync(string projectId, string threadId, string messageId, RawJson metadata) =>
        ValueTask.FromResult(s.Execute("UPDATE messages SET metadata = $metadata WHERE id = $id AND thread_id = $thread AND project_id = $project",
            ("$metadata", metadata.Text), ("$id", messageId), ("$thread", threadId), ("$project", projectId)) > 0);

    public ValueTask<bool> MessageDeleteAsync(string projectId, string threadId, string messageId) =>
        ValueTask.FromResult(s.Execute("DELETE FROM messages WHERE id = $id AND thread_id = $thread AND project_id = $project",
            ("$id", messageId), ("$thread", threadId), ("$project", projectId)) > 0);

    public ValueTask<Page<Message>> MessageListAsync(string projectId, string threadId, string? runId, PageRequest page, bool messagesOnly)
    {
        var parameters = new List<(string, object?)> { ("$thread", threadId), ("$project", projectId) };
        var scope = "x.thread_id = $thread AND x.project_id = $project";
        if (runId is not null)
        {
            scope += " AND x.run_id = $run";
            parameters.Add(("$run", runId));
        }
        if (messagesOnly)
            scope += " AND x.role NOT IN ('function_call', 'function_call_output')";
        return ValueTask.FromResult(SqlitePaging.Page(s, Select, "messages", scope, "position, seq", parameters, page, Rows.Message));
    }

    public ValueTask<IReadOnlyList<Message>> MessageContextListAsync(MessageContextList list) =>
        ValueTask.FromResult<IReadOnlyList<Message>>(s.List($"""
            {Select} WHERE x.thread_id = $thread AND x.position < $before AND (x.run_id IS NULL OR x.run_id <> $run)
            ORDER BY x.position DESC, x.seq DESC LIMIT $max
            """, Rows.Message, ("$thread", list.ThreadId), ("$before", list.BeforePosition), ("$run", list.ExcludeRunId), ("$max", (long)list.Max)));

    public ValueTask<IReadOnlyList<Message>> MessageListByRunAsync(string runId) =>
        ValueTask.FromResult<IReadOnlyList<Message>>(s.List($"{Select} WHERE x.run_id = $run ORDER BY x.position, x.seq", Rows.Message, ("$run", runId)));

    public ValueTask<long> MessageReplyPositionGetAsync(string threadId, long beforePosition) =>
        ValueTask.FromResult(s.ScalarLong("SELECT COALESCE(MAX(position), 0) + 1 FROM messages WHERE thread_id = $thread AND position < $before",
            ("$thread", threadId), ("$before", beforePosition)) ?? 1);

    public ValueTask<bool> MessageFunctionCallExistsAsync(string threadId, string callId) =>
        ValueTask.FromResult(s.ScalarLong("""
            SELECT EXISTS (SELECT 1 FROM messages WHERE thread_id = $thread AND role = 'function_call' AND json_extract(content, '$[0].call_id') = $call)
            """, ("$thread", threadId), ("$call", callId)) == 1);

    public ValueTask MessageEndAsync(MessageEnd e)
    {
        s.Execute("""
            UPDATE messages SET content = $content, status = $status, incomplete_reason = $reason,
                completed_at = $completed_at, incomplete_at = $incomplete_at
            WHERE id = $id
            """, ("$content", e.Content.Text), ("$status", e.Status), ("$reason", e.IncompleteReason), ("$completed_at", e.CompletedAt),
            ("$incomplete_at", e.IncompleteAt), ("$id", e.MessageId));
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> MessageOpenCloseAsync(string runId, string reason, long at) =>
        ValueTask.FromResult(s.Execute("""
            UPDATE messages SET status = 'incomplete', incomplete_at = $at, incomplete_reason = $reason
            WHERE run_id = $run AND status = 'in_progress'
            """, ("$at", at), ("$reason", reason), ("$run", runId)));
}

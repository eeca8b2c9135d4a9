using Threadline.Storage.Drivers;
using Threadline.Threads;
using static Threadline.Storage.SqlValues;

namespace Threadline.Storage.Sqlite;

internal sealed class SqliteThreadDriver(SqliteSession s) : IThreadDriver
{
    private const string Select = $"SELECT {Rows.ThreadColumns} FROM threads x";

    public ValueTask<bool> ThreadInsertAsync(ConversationThread t)
    {
        s.Execute("""
            INSERT INTO threads (id, project_id, created_at, external_id, tool_resources, metadata)
            VALUES ($id, $project, $created_at, $external_id, $tool_resources, $metadata)
            """, ("$id", t.Id), ("$project", t.ProjectId), ("$created_at", t.CreatedAt), ("$external_id", t.ExternalId),
            ("$tool_resources", t.ToolResources.OrNull()), ("$metadata", t.Metadata.Text));
        return ValueTask.FromResult(true);
    }

    public ValueTask<ConversationThread?> ThreadGetAsync(string projectId, string threadId) =>
        ValueTask.FromResult(s.Single($"{Select} WHERE x.id = $id AND x.project_id = $project", Rows.Thread,
            ("$id", threadId), ("$project", projectId)));

    public ValueTask<ConversationThread?> ThreadFindByExternalIdAsync(string projectId, string externalId) =>
        ValueTask.FromResult(s.Single($"{Select} WHERE x.project_id = $project AND x.external_id = $external_id", Rows.Thread,
            ("$project", projectId), ("$external_id", externalId)));

    public ValueTask<bool> ThreadExistsAsync(string projectId, string threadId) =>
        ValueTask.FromResult(s.ScalarLong("SELECT EXISTS (SELECT 1 FROM threads WHERE id = $id AND project_id = $project)",
            ("$id", threadId), ("$project", projectId)) == 1);

    // The writer's transaction holds the whole database: every thread is held already.
    public ValueTask<ConversationThread?> ThreadLockAsync(string projectId, string threadId) => ThreadGetAsync(projectId, threadId);

    public ValueTask ThreadHoldAsync(ThreadHold hold) => ValueTask.CompletedTask;

    public ValueTask<bool> ThreadUpdateAsync(ConversationThread t) =>
        ValueTask.FromResult(s.Execute("UPDATE threads SET tool_resources = $tool_resources, metadata = $metadata WHERE id = $id AND project_id = $project",
            ("$tool_resources", t.ToolResources.OrNull()), ("$metadata", t.Metadata.Text), ("$id", t.Id), ("$project", t.ProjectId)) > 0);

    public ValueTask<bool> ThreadDeleteAsync(string projectId, string threadId)
    {
        if (s.Execute("DELETE FROM threads WHERE id = $id AND project_id = $project", ("$id", threadId), ("$project", projectId)) == 0)
            return ValueTask.FromResult(false);
        s.Execute("DELETE FROM messages WHERE thread_id = $id", ("$id", threadId));
        s.Execute("DELETE FROM run_steps WHERE thread_id = $id", ("$id", threadId));
        s.Execute("DELETE FROM runs WHERE thread_id = $id", ("$id", threadId));
        return ValueTask.FromResult(true);
    }

    public ValueTask<Page<ConversationThread>> ThreadListAsync(ThreadFilter filter, PageRequest page)
    {
        var parameters = new List<(string, object?)> { ("$project", filter.ProjectId) };
        var scope = "x.project_id = $project";
        if (filter.ExternalId is not null)
        {
            scope += " AND x.external_id = $external_id";
            parameters.Add(("$external_id", filter.ExternalId));
        }
        var i = 0;
        foreach (var (key, value) in filter.Metadata)
        {
            scope += $" AND json_extract(x.metadata, $mk{i}) = $mv{i}";
            parameters.Add(($"$mk{i}", "$.\"" + key.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""));
            parameters.Add(($"$mv{i}", value));
            i++;
        }
        return ValueTask.FromResult(SqlitePaging.Page(s, Select, "threads", scope, "seq", parameters, page, Rows.Thread));
    }

    public ValueTask<ThreadSlot?> ThreadSlotTakeAsync(ThreadSlotTake take)
    {
        using (var reader = SqliteSession.Bind(s.Command("""
            UPDATE threads SET last_position = last_position + 1
            WHERE id = $id AND project_id = $project AND ($only_idle = 0 OR (active_run_id IS NULL AND queued_runs = 0))
            RETURNING last_position, queued_runs
            """), [("$id", take.ThreadId), ("$project", take.ProjectId), ("$only_idle", take.OnlyIfIdle.Flag())]).ExecuteReader())
        {
            if (reader.Read())
                return ValueTask.FromResult<ThreadSlot?>(new ThreadSlot(reader.GetInt64(0), (int)reader.GetInt64(1), null));
        }
        if (!take.OnlyIfIdle || s.ScalarLong("SELECT EXISTS (SELECT 1 FROM threads WHERE id = $id AND project_id = $project)",
                ("$id", take.ThreadId), ("$project", take.ProjectId)) != 1)
            return ValueTask.FromResult<ThreadSlot?>(null);
        var blocking = BlockingRun(take.ThreadId);
        return ValueTask.FromResult<ThreadSlot?>(new ThreadSlot(null, 0, blocking));
    }

    public ValueTask<ThreadQueueState> ThreadQueueRefreshAsync(string threadId)
    {
        using var reader = SqliteSession.Bind(s.Command($"""
            UPDATE threads SET
                active_run_id = (SELECT r.id FROM runs r WHERE r.thread_id = $id AND r.status IN {ActiveStatuses}),
                queued_runs = (SELECT count(*) FROM runs r WHERE r.thread_id = $id AND r.status = 'queued'),
                next_run_at_ms = CASE WHEN EXISTS (SELECT 1 FROM runs r WHERE r.thread_id = $id AND r.status IN {ActiveStatuses}) THEN NULL
                    ELSE (SELECT r.eligible_at_ms FROM runs r WHERE r.thread_id = $id AND r.status = 'queued' ORDER BY r.queue_key LIMIT 1) END
            WHERE id = $id
            RETURNING active_run_id, queued_runs, next_run_at_ms
            """), [("$id", threadId)]).ExecuteReader();
        if (!reader.Read())
            return ValueTask.FromResult(new ThreadQueueState(null, 0, null));
        return ValueTask.FromResult(new ThreadQueueState(
            reader.IsDBNull(0) ? null : reader.GetString(0), (int)reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2)));
    }

    public ValueTask<IReadOnlyList<string>> ThreadClaimableListAsync(long nowMs, int max) =>
        ValueTask.FromResult<IReadOnlyList<string>>(s.List(
            "SELECT id FROM threads WHERE next_run_at_ms IS NOT NULL AND next_run_at_ms <= $now ORDER BY next_run_at_ms LIMIT $max",
            r => r.GetString(0), ("$now", nowMs), ("$max", (long)max)));

    public ValueTask<string?> ThreadBlockingRunGetAsync(string threadId) => ValueTask.FromResult(BlockingRun(threadId));

    private string? BlockingRun(string threadId) => s.Scalar($"""
        SELECT id FROM runs WHERE thread_id = $id AND status IN ('queued', 'in_progress', 'requires_action', 'cancelling')
        ORDER BY status = 'queued', queue_key LIMIT 1
        """, ("$id", threadId)) as string;
}

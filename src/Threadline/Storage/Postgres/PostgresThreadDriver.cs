using Threadline.Storage.Drivers;
using Threadline.Threads;
using static Threadline.Storage.SqlValues;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresThreadDriver(PostgresSession s) : IThreadDriver
{
    private const string Select = $"SELECT {Rows.ThreadColumns} FROM threads x";

    public async ValueTask<bool> ThreadInsertAsync(ConversationThread t) =>
        // Two nodes making the thread of one external id at once: the second waits for the first to
        // commit, inserts nothing, and finds the first's thread.
        await s.ExecuteAsync("""
            INSERT INTO threads (id, project_id, created_at, external_id, tool_resources, metadata)
            VALUES (@id, @project, @created_at, @external_id, @tool_resources, @metadata)
            ON CONFLICT (project_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
            """, ("id", t.Id), ("project", t.ProjectId), ("created_at", t.CreatedAt), ("external_id", t.ExternalId),
            ("tool_resources", t.ToolResources.OrNull()), ("metadata", t.Metadata.Text)) == 1;

    public ValueTask<ConversationThread?> ThreadGetAsync(string projectId, string threadId) =>
        s.SingleAsync($"{Select} WHERE x.id = @id AND x.project_id = @project", Rows.Thread, ("id", threadId), ("project", projectId));

    public ValueTask<ConversationThread?> ThreadFindByExternalIdAsync(string projectId, string externalId) =>
        s.SingleAsync($"{Select} WHERE x.project_id = @project AND x.external_id = @external_id", Rows.Thread,
            ("project", projectId), ("external_id", externalId));

    public async ValueTask<bool> ThreadExistsAsync(string projectId, string threadId) =>
        await s.ScalarAsync("SELECT EXISTS (SELECT 1 FROM threads WHERE id = @id AND project_id = @project)",
            ("id", threadId), ("project", projectId)) is true;

    public async ValueTask<ConversationThread?> ThreadLockAsync(string projectId, string threadId)
    {
        var thread = await s.SingleAsync($"{Select} WHERE x.id = @id AND x.project_id = @project FOR UPDATE", Rows.Thread,
            ("id", threadId), ("project", projectId));
        s.Locked();
        return thread;
    }

    public async ValueTask ThreadHoldAsync(ThreadHold hold)
    {
        await (hold.ThreadId is { } threadId
            ? s.ExecuteAsync("SELECT 1 FROM threads WHERE id = @id FOR UPDATE", ("id", threadId))
            : s.ExecuteAsync("SELECT 1 FROM threads t WHERE t.id = (SELECT r.thread_id FROM runs r WHERE r.id = @run) FOR UPDATE", ("run", hold.RunId)));
        s.Locked();
    }

    public async ValueTask<bool> ThreadUpdateAsync(ConversationThread t) =>
        await s.ExecuteAsync("UPDATE threads SET tool_resources = @tool_resources, metadata = @metadata WHERE id = @id AND project_id = @project",
            ("tool_resources", t.ToolResources.OrNull()), ("metadata", t.Metadata.Text), ("id", t.Id), ("project", t.ProjectId)) > 0;

    public async ValueTask<bool> ThreadDeleteAsync(string projectId, string threadId)
    {
        if (await s.ExecuteAsync("DELETE FROM threads WHERE id = @id AND project_id = @project", ("id", threadId), ("project", projectId)) == 0)
            return false;
        await s.ExecuteAsync("DELETE FROM messages WHERE thread_id = @id", ("id", threadId));
        await s.ExecuteAsync("DELETE FROM run_steps WHERE thread_id = @id", ("id", threadId));
        await s.ExecuteAsync("DELETE FROM runs WHERE thread_id = @id", ("id", threadId));
        return true;
    }

    public ValueTask<Page<ConversationThread>> ThreadListAsync(ThreadFilter filter, PageRequest page)
    {
        var parameters = new List<(string, object?)> { ("project", filter.ProjectId) };
        var scope = "x.project_id = @project";
        if (filter.ExternalId is not null)
        {
            scope += " AND x.external_id = @external_id";
            parameters.Add(("external_id", filter.ExternalId));
        }
        var i = 0;
        foreach (var (key, value) in filter.Metadata)
        {
            scope += $" AND x.metadata::jsonb ->> @mk{i} = @mv{i}";
            parameters.Add(($"mk{i}", key));
            parameters.Add(($"mv{i}", value));
            i++;
        }
        return PostgresPaging.PageAsync(s, Select, "threads", scope, "seq", parameters, page, Rows.Thread);
    }

    public async ValueTask<ThreadSlot?> ThreadSlotTakeAsync(ThreadSlotTake take)
    {
        // The update locks the thread: every later statement of the transaction sees it as of now.
        var taken = await s.SingleAsync("""
            UPDATE threads SET last_position = last_position + 1
            WHERE id = @id AND project_id = @project AND (NOT @only_idle OR (active_run_id IS NULL AND queued_runs = 0))
            RETURNING last_position, queued_runs
            """, r => new ThreadSlot(r.GetInt64(0), (int)r.GetInt64(1), null),
            ("id", take.ThreadId), ("project", take.ProjectId), ("only_idle", take.OnlyIfIdle));
        s.Locked();
        if (taken is not null || !take.OnlyIfIdle || !await ThreadExistsAsync(take.ProjectId, take.ThreadId))
            return taken;
        return new ThreadSlot(null, 0, await BlockingRunAsync(take.ThreadId));
    }

    public async ValueTask<ThreadQueueState> ThreadQueueRefreshAsync(string threadId) =>
        await s.SingleAsync($"""
            UPDATE threads SET
                active_run_id = (SELECT r.id FROM runs r WHERE r.thread_id = @id AND r.status IN {ActiveStatuses}),
                queued_runs = (SELECT count(*) FROM runs r WHERE r.thread_id = @id AND r.status = 'queued'),
                next_run_at_ms = CASE WHEN EXISTS (SELECT 1 FROM runs r WHERE r.thread_id = @id AND r.status IN {ActiveStatuses}) THEN NULL
                    ELSE (SELECT r.eligible_at_ms FROM runs r WHERE r.thread_id = @id AND r.status = 'queued' ORDER BY r.queue_key LIMIT 1) END
            WHERE id = @id
            RETURNING active_run_id, queued_runs, next_run_at_ms
            """, r => new ThreadQueueState(r.IsDBNull(0) ? null : r.GetString(0), (int)r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2)),
            ("id", threadId)) ?? new ThreadQueueState(null, 0, null);

    public async ValueTask<IReadOnlyList<string>> ThreadClaimableListAsync(long nowMs, int max)
    {
        // Locked, so that the claims that follow hold their threads; threads another node is claiming
        // (or moving) right now are left to it.
        var threads = await s.ListAsync("""
            SELECT id FROM threads WHERE next_run_at_ms IS NOT NULL AND next_run_at_ms <= @now
            ORDER BY next_run_at_ms LIMIT @max FOR UPDATE SKIP LOCKED
            """, r => r.GetString(0), ("now", nowMs), ("max", (long)max));
        // A thread listed may have been freed by another node's commit after this transaction read
        // the clock: its claims must be stamped after that run's end, as after any other lock.
        s.Locked();
        return threads;
    }

    public async ValueTask<string?> ThreadBlockingRunGetAsync(string threadId) => await BlockingRunAsync(threadId);

    private async ValueTask<string?> BlockingRunAsync(string threadId) => await s.ScalarAsync("""
        SELECT id FROM runs WHERE thread_id = @id AND status IN ('queued', 'in_progress', 'requires_action', 'cancelling')
        ORDER BY status = 'queued', queue_key LIMIT 1
        """, ("id", threadId)) as string;
}

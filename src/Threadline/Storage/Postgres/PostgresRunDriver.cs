using Threadline.Domain;
using Threadline.Runs;
using Threadline.Storage.Drivers;
using static Threadline.Storage.SqlValues;

namespace Threadline.Storage.Postgres;

/// <summary>
/// The run queue's SQL. Every statement that decides from a thread's runs (the claim, the debounce
/// join, the next <c>queue_key</c>) runs while the caller holds the thread's row lock
/// (<see cref="IThreadDriver.ThreadLockAsync"/>), so under READ COMMITTED each sees the thread as no
/// other node can change it; I1 is also held by a partial unique index whatever they do.
/// </summary>
internal sealed class PostgresRunDriver(PostgresSession s) : IRunDriver
{
    /// <summary>A queued run's position: the active run and the queued runs before it.</summary>
    private const string Select = $"""
        SELECT {Rows.RunColumns},
               CASE WHEN x.status = 'queued' THEN
                   (SELECT count(*) FROM runs q WHERE q.thread_id = x.thread_id AND q.status = 'queued' AND q.queue_key < x.queue_key)
                   + (SELECT count(*) FROM runs a WHERE a.thread_id = x.thread_id AND a.status IN {ActiveStatuses})
               END AS queue_position
        FROM runs x
        """;

    private const string Held = $"{Select} WHERE x.id = @id AND x.attempt = @attempt AND x.status IN {HeldStatuses}";

    /// <summary>The front of the thread's queue, for a run put first.</summary>
    private const string FrontKey = "(SELECT COALESCE(MIN(q.queue_key), 0) - 1 FROM runs q WHERE q.thread_id = x.thread_id AND q.status = 'queued')";

    public async ValueTask RunInsertAsync(Run r, bool first) =>
        await s.ExecuteAsync(first ? InsertFirst : InsertLast,
            ("id", r.Id), ("project", r.ProjectId), ("thread", r.ThreadId), ("assistant", r.AssistantId), ("status", r.Status),
            ("created_at", r.CreatedAt), ("expires_at", r.ExpiresAt), ("model", r.Model), ("instructions", r.Instructions),
            ("additional_instructions", r.AdditionalInstructions), ("tools", r.Tools.Text), ("metadata", r.Metadata.Text),
            ("temperature", r.Temperature), ("top_p", r.TopP), ("max_prompt_tokens", r.MaxPromptTokens),
            ("max_completion_tokens", r.MaxCompletionTokens), ("truncation_strategy", r.TruncationStrategy.Text),
            ("tool_choice", r.ToolChoice.Text), ("parallel_tool_calls", r.ParallelToolCalls.Flag()), ("response_format", r.ResponseFormat.Text),
            ("reasoning_effort", r.ReasoningEffort), ("debounce_ms", r.DebounceMs), ("max_wait_ms", r.MaxWaitMs),
            ("created_at_ms", r.CreatedAtMs), ("eligible_at_ms", r.EligibleAtMs), ("response", r.Response.OrNull()));

    private const string InsertColumns = """
        INSERT INTO runs (id, project_id, thread_id, assistant_id, status, created_at, expires_at, model, instructions,
                          additional_instructions, tools, metadata, temperature, top_p, max_prompt_tokens,
                          max_completion_tokens, truncation_strategy, tool_choice, parallel_tool_calls, response_format,
                          reasoning_effort, debounce_ms, max_wait_ms, created_at_ms, eligible_at_ms, response, queue_key)
        VALUES (@id, @project, @thread, @assistant, @status, @created_at, @expires_at, @model, @instructions,
                @additional_instructions, @tools, @metadata, @temperature, @top_p, @max_prompt_tokens,
                @max_completion_tokens, @truncation_strategy, @tool_choice, @parallel_tool_calls, @response_format,
                @reasoning_effort, @debounce_ms, @max_wait_ms, @created_at_ms, @eligible_at_ms, @response,
        """;

    private const string InsertLast = InsertColumns + " (SELECT COALESCE(MAX(queue_key), 0) + 1 FROM runs WHERE thread_id = @thread))";

    private const string InsertFirst = InsertColumns + " (SELECT COALESCE(MIN(queue_key), 0) - 1 FROM runs WHERE thread_id = @thread AND status = 'queued'))";

    public ValueTask<Run?> RunGetAsync(string projectId, string threadId, string runId) =>
        s.SingleAsync($"{Select} WHERE x.id = @id AND x.thread_id = @thread AND x.project_id = @project", Rows.Run,
            ("id", runId), ("thread", threadId), ("project", projectId));

    public ValueTask<Run?> RunGetByIdAsync(string runId) => s.SingleAsync($"{Select} WHERE x.id = @id", Rows.Run, ("id", runId));

    public async ValueTask RunResponseContextSetAsync(string runId, long slot) =>
        await s.ExecuteAsync("UPDATE runs SET context_position = @slot WHERE id = @id AND status = 'queued' AND response IS NOT NULL", ("id", runId), ("slot", slot));

    public async ValueTask<bool> RunDeleteEndedAsync(string runId)
    {
        if (await s.ExecuteAsync("DELETE FROM runs WHERE id = @id AND status IN ('completed', 'incomplete', 'failed', 'cancelled', 'expired')", ("id", runId)) == 0)
            return false;
        await s.ExecuteAsync("DELETE FROM run_steps WHERE run_id = @id", ("id", runId));
        return true;
    }

    public ValueTask<Page<Run>> RunListAsync(string projectId, string threadId, PageRequest page) =>
        PostgresPaging.PageAsync(s, Select, "runs", "x.thread_id = @thread AND x.project_id = @project", "seq",
            [("thread", threadId), ("project", projectId)], page, Rows.Run);

    public async ValueTask<bool> RunMetadataUpdateAsync(string projectId, string threadId, string runId, RawJson metadata) =>
        await s.ExecuteAsync("UPDATE runs SET metadata = @metadata WHERE id = @id AND thread_id = @thread AND project_id = @project",
            ("metadata", metadata.Text), ("id", runId), ("thread", threadId), ("project", projectId)) > 0;

    public async ValueTask<string?> RunDebounceJoinAsync(string threadId, string assistantId, long nowMs, long debounceMs) =>
        await s.ScalarAsync("""
            UPDATE runs SET eligible_at_ms = LEAST(GREATEST(eligible_at_ms, @now + @debounce), created_at_ms + max_wait_ms)
            WHERE id = (SELECT id FROM runs WHERE thread_id = @thread AND assistant_id = @assistant
                          AND status = 'queued' AND debounce_ms > 0 AND attempt = 0
                        ORDER BY queue_key DESC LIMIT 1)
              AND status = 'queued' AND attempt = 0
            RETURNING id
            """, ("now", nowMs), ("debounce", debounceMs), ("thread", threadId), ("assistant", assistantId)) as string;

    public ValueTask<int> RunDebounceRestartAsync(string threadId, long nowMs) =>
        s.ExecuteAsync("""
            UPDATE runs SET eligible_at_ms = LEAST(GREATEST(eligible_at_ms, @now + debounce_ms), created_at_ms + max_wait_ms)
            WHERE thread_id = @thread AND status = 'queued' AND debounce_ms > 0
            """, ("thread", threadId), ("now", nowMs));

    public ValueTask<Run?> RunClaimHeadAsync(RunClaim c) =>
        s.SingleAsync($"""
            UPDATE runs AS x SET
                status = 'in_progress', started_at = COALESCE(x.started_at, @now / 1000), started_at_ms = @now,
                lease_owner = @owner, lease_expires_at_ms = @now + @lease, attempt = x.attempt + 1,
                context_position = COALESCE(x.context_position, (SELECT t.last_position FROM threads t WHERE t.id = x.thread_id))
            WHERE x.id = (SELECT r.id FROM runs r WHERE r.thread_id = @thread AND r.status = 'queued' ORDER BY r.queue_key LIMIT 1)
              AND x.status = 'queued' AND x.eligible_at_ms <= @now
              AND NOT EXISTS (SELECT 1 FROM runs a WHERE a.thread_id = @thread AND a.status IN {ActiveStatuses})
            RETURNING {Rows.RunColumns}, NULL::bigint,
                (SELECT MAX(p.ended_at_ms) FROM runs p WHERE p.thread_id = x.thread_id AND p.id <> x.id)
            """, Rows.Run, ("now", c.NowMs), ("owner", c.Owner), ("lease", c.LeaseMs), ("thread", c.ThreadId));

    public ValueTask<Run?> RunGetHeldAsync(string runId, int attempt) =>
        s.SingleAsync(Held, Rows.Run, ("id", runId), ("attempt", (long)attempt));

    public async ValueTask<IReadOnlyList<HeldLease>> RunLeaseRenewAsync(RunLeaseRenew renew)
    {
        if (renew.Leases.Count == 0)
            return [];
        return await s.ListAsync($"""
            UPDATE runs SET lease_expires_at_ms = @now + @lease
            WHERE (id, attempt) IN (SELECT * FROM unnest(@ids::text[], @attempts::bigint[]))
              AND lease_owner = @owner AND status IN {HeldStatuses}
            RETURNING id, attempt, status
            """, r => new HeldLease(r.GetString(0), (int)r.GetInt64(1), r.GetString(2)),
            ("now", renew.NowMs), ("lease", renew.LeaseMs), ("ids", renew.Leases.Select(l => l.RunId).ToArray()),
            ("attempts", renew.Leases.Select(l => (long)l.Attempt).ToArray()), ("owner", renew.Owner));
    }

    public ValueTask<Run?> RunStatusSetAsync(RunStatusSet set) =>
        s.SingleAsync($"""
            UPDATE runs AS x SET
                status = @status,
                required_action = @required_action,
                expires_at = COALESCE(@expires_at, x.expires_at),
                lease_expires_at_ms = CASE WHEN @status IN {HeldStatuses} THEN x.lease_expires_at_ms END,
                ended_at_ms = CASE WHEN @terminal THEN @now_ms END,
                completed_at = CASE WHEN @status = 'completed' THEN @now ELSE x.completed_at END,
                failed_at = CASE WHEN @status = 'failed' THEN @now ELSE x.failed_at END,
                cancelled_at = CASE WHEN @status = 'cancelled' THEN @now ELSE x.cancelled_at END,
                incomplete_reason = @incomplete_reason,
                last_error_code = @error_code,
                last_error_message = @error_message,
                prompt_tokens = COALESCE(@prompt_tokens, x.prompt_tokens),
                completion_tokens = COALESCE(@completion_tokens, x.completion_tokens),
                first_token_at_ms = CASE WHEN @attempt::bigint IS NULL THEN x.first_token_at_ms ELSE @first_token_at_ms::bigint END
            WHERE x.id = @id AND (@attempt::bigint IS NULL OR (x.attempt = @attempt AND x.status IN {HeldStatuses}))
              AND (@from::text IS NULL OR x.status = @from)
            RETURNING {Rows.RunColumns}
            """, Rows.Run, ("from", set.FromStatus), ("status", set.Status), ("required_action", set.RequiredAction.OrNull()),
            ("expires_at", set.ExpiresAt), ("terminal", RunStatus.IsTerminal(set.Status)), ("now_ms", set.NowMs), ("now", set.NowMs / 1000),
            ("incomplete_reason", set.IncompleteReason), ("error_code", set.Error?.Code), ("error_message", set.Error?.Message),
            ("prompt_tokens", set.Usage?.PromptTokens), ("completion_tokens", set.Usage?.CompletionTokens),
            ("first_token_at_ms", set.FirstTokenAtMs), ("id", set.RunId), ("attempt", set.Attempt is { } a ? (long)a : null));

    public async ValueTask<bool> RunRequeueAsync(string runId, int attempt) =>
        await s.ExecuteAsync($"""
            UPDATE runs AS x SET status = 'queued', started_at = NULL, started_at_ms = NULL, lease_expires_at_ms = NULL,
                context_position = CASE WHEN x.response IS NULL THEN NULL ELSE x.context_position END, queue_key = {FrontKey}
            WHERE x.id = @id AND x.attempt = @attempt AND x.status IN {HeldStatuses}
            """, ("id", runId), ("attempt", (long)attempt)) > 0;

    public async ValueTask RunResumeAsync(string runId, long nowMs) =>
        await s.ExecuteAsync($"""
            UPDATE runs AS x SET status = 'queued', required_action = NULL, eligible_at_ms = @now, queue_key = {FrontKey}
            WHERE x.id = @id AND x.status = 'requires_action'
            """, ("id", runId), ("now", nowMs));

    public async ValueTask<IReadOnlyList<LapsedRun>> RunLapsedListAsync(long nowMs, int max) =>
        await s.ListAsync($"""
            SELECT id, attempt
            FROM runs WHERE status IN {HeldStatuses} AND lease_expires_at_ms < @now
            ORDER BY lease_expires_at_ms LIMIT @max
            """, r => new LapsedRun(r.GetString(0), (int)r.GetInt64(1)),
            ("now", nowMs), ("max", (long)max));

    public async ValueTask<IReadOnlyList<string>> RunExpiredListAsync(long nowSeconds, int max) =>
        await s.ListAsync("SELECT id FROM runs WHERE status = 'requires_action' AND expires_at <= @now ORDER BY expires_at LIMIT @max",
            r => r.GetString(0), ("now", nowSeconds), ("max", (long)max));

    public async ValueTask<QueueDeadlines> RunDeadlinesGetAsync() =>
        (await s.SingleAsync($"""
            SELECT (SELECT MIN(next_run_at_ms) FROM threads WHERE next_run_at_ms IS NOT NULL),
                   (SELECT MIN(expires_at) * 1000 FROM runs WHERE status = 'requires_action'),
                   (SELECT MIN(lease_expires_at_ms) FROM runs WHERE status IN {HeldStatuses})
            """, r => new QueueDeadlines(r.IsDBNull(0) ? null : r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2))))!;
}

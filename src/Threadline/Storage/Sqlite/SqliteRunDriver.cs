using System.Text;
using Threadline.Domain;
using Threadline.Runs;
using Threadline.Storage.Drivers;
using static Threadline.Storage.SqlValues;

namespace Threadline.Storage.Sqlite;

internal sealed class SqliteRunDriver(SqliteSession s) : IRunDriver
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

    private const string Held = $"{Select} WHERE x.id = $id AND x.attempt = $attempt AND x.status IN {HeldStatuses}";

    public ValueTask RunInsertAsync(Run r, bool first)
    {
        s.Execute(first ? InsertFirst : InsertLast,
            ("$id", r.Id), ("$project", r.ProjectId), ("$thread", r.ThreadId), ("$assistant", r.AssistantId), ("$status", r.Status),
            ("$created_at", r.CreatedAt), ("$expires_at", r.ExpiresAt), ("$model", r.Model), ("$instructions", r.Instructions),
            ("$additional_instructions", r.AdditionalInstructions), ("$tools", r.Tools.Text), ("$metadata", r.Metadata.Text),
            ("$temperature", r.Temperature), ("$top_p", r.TopP), ("$max_prompt_tokens", r.MaxPromptTokens),
            ("$max_completion_tokens", r.MaxCompletionTokens), ("$truncation_strategy", r.TruncationStrategy.Text),
            ("$tool_choice", r.ToolChoice.Text), ("$parallel_tool_calls", r.ParallelToolCalls.Flag()), ("$response_format", r.ResponseFormat.Text),
            ("$reasoning_effort", r.ReasoningEffort), ("$debounce_ms", r.DebounceMs), ("$max_wait_ms", r.MaxWaitMs),
            ("$created_at_ms", r.CreatedAtMs), ("$eligible_at_ms", r.EligibleAtMs), ("$response", r.Response.OrNull()));
        return ValueTask.CompletedTask;
    }

    private const string InsertColumns = """
        INSERT INTO runs (id, project_id, thread_id, assistant_id, status, created_at, expires_at, model, instructions,
                          additional_instructions, tools, metadata, temperature, top_p, max_prompt_tokens,
                          max_completion_tokens, truncation_strategy, tool_choice, parallel_tool_calls, response_format,
                          reasoning_effort, debounce_ms, max_wait_ms, created_at_ms, eligible_at_ms, response, queue_key)
        VALUES ($id, $project, $thread, $assistant, $status, $created_at, $expires_at, $model, $instructions,
                $additional_instructions, $tools, $metadata, $temperature, $top_p, $max_prompt_tokens,
                $max_completion_tokens, $truncation_strategy, $tool_choice, $parallel_tool_calls, $response_format,
                $reasoning_effort, $debounce_ms, $max_wait_ms, $created_at_ms, $eligible_at_ms, $response,
        """;

    private const string InsertLast = InsertColumns + " (SELECT COALESCE(MAX(queue_key), 0) + 1 FROM runs WHERE thread_id = $thread))";

    private const string InsertFirst = InsertColumns + " (SELECT COALESCE(MIN(queue_key), 0) - 1 FROM runs WHERE thread_id = $thread AND status = 'queued'))";

    public ValueTask<Run?> RunGetAsync(string projectId, string threadId, string runId) =>
        ValueTask.FromResult(s.Single($"{Select} WHERE x.id = $id AND x.thread_id = $thread AND x.project_id = $project", Rows.Run,
            ("$id", runId), ("$thread", threadId), ("$project", projectId)));

    public ValueTask<Run?> RunGetByIdAsync(string runId) =>
        ValueTask.FromResult(s.Single($"{Select} WHERE x.id = $id", Rows.Run, ("$id", runId)));

    public ValueTask RunResponseContextSetAsync(string runId, long slot)
    {
        s.Execute("UPDATE runs SET context_position = $slot WHERE id = $id AND status = 'queued' AND response IS NOT NULL", ("$id", runId), ("$slot", slot));
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RunDeleteEndedAsync(string runId)
    {
        if (s.Execute("DELETE FROM runs WHERE id = $id AND status IN ('completed', 'incomplete', 'failed', 'cancelled', 'expired')", ("$id", runId)) == 0)
            return ValueTask.FromResult(false);
        s.Execute("DELETE FROM run_steps WHERE run_id = $id", ("$id", runId));
        return ValueTask.FromResult(true);
    }

    public ValueTask<Page<Run>> RunListAsync(string projectId, string threadId, PageRequest page) =>
        ValueTask.FromResult(SqlitePaging.Page(s, Select, "runs", "x.thread_id = $thread AND x.project_id = $project", "seq",
            [("$thread", threadId), ("$project", projectId)], page, Rows.Run));

    public ValueTask<bool> RunMetadataUpdateAsync(string projectId, string threadId, string runId, RawJson metadata) =>
        ValueTask.FromResult(s.Execute("UPDATE runs SET metadata = $metadata WHERE id = $id AND thread_id = $thread AND project_id = $project",
            ("$metadata", metadata.Text), ("$id", runId), ("$thread", threadId), ("$project", projectId)) > 0);

    public ValueTask<string?> RunDebounceJoinAsync(string threadId, string assistantId, long nowMs, long debounceMs) =>
        ValueTask.FromResult(s.Scalar("""
            UPDATE runs SET eligible_at_ms = MIN(MAX(eligible_at_ms, $now + $debounce), created_at_ms + max_wait_ms)
            WHERE id = (SELECT id FROM runs WHERE thread_id = $thread AND assistant_id = $assistant
                          AND status = 'queued' AND debounce_ms > 0 AND attempt = 0
                        ORDER BY queue_key DESC LIMIT 1)
              AND status = 'queued' AND attempt = 0
            RETURNING id
            """, ("$now", nowMs), ("$debounce", debounceMs), ("$thread", threadId), ("$assistant", assistantId)) as string);

    public ValueTask<int> RunDebounceRestartAsync(string threadId, long nowMs) =>
        ValueTask.FromResult(s.Execute("""
            UPDATE runs SET eligible_at_ms = MIN(MAX(eligible_at_ms, $now + debounce_ms), created_at_ms + max_wait_ms)
            WHERE thread_id = $thread AND status = 'queued' AND debounce_ms > 0
            """, ("$thread", threadId), ("$now", nowMs)));

    public ValueTask<Run?> RunClaimHeadAsync(RunClaim c) =>
        ValueTask.FromResult(s.Single($"""
            UPDATE runs SET
                status = 'in_progress', started_at = COALESCE(started_at, $now / 1000), started_at_ms = $now,
                lease_owner = $owner, lease_expires_at_ms = $now + $lease, attempt = attempt + 1,
                context_position = COALESCE(context_position, (SELECT t.last_position FROM threads t WHERE t.id = runs.thread_id))
            WHERE id = (SELECT r.id FROM runs r WHERE r.thread_id = $thread AND r.status = 'queued' ORDER BY r.queue_key LIMIT 1)
              AND status = 'queued' AND eligible_at_ms <= $now
              AND NOT EXISTS (SELECT 1 FROM runs a WHERE a.thread_id = $thread AND a.status IN {ActiveStatuses})
            RETURNING {Unaliased(Rows.RunColumns)}, NULL,
                (SELECT MAX(p.ended_at_ms) FROM runs p WHERE p.thread_id = runs.thread_id AND p.id <> runs.id)
            """, Rows.Run, ("$now", c.NowMs), ("$owner", c.Owner), ("$lease", c.LeaseMs), ("$thread", c.ThreadId)));

    public ValueTask<Run?> RunGetHeldAsync(string runId, int attempt) =>
        ValueTask.FromResult(s.Single(Held, Rows.Run, ("$id", runId), ("$attempt", (long)attempt)));

    public ValueTask<IReadOnlyList<HeldLease>> RunLeaseRenewAsync(RunLeaseRenew renew)
    {
        if (renew.Leases.Count == 0)
            return ValueTask.FromResult<IReadOnlyList<HeldLease>>([]);
        var leases = new StringBuilder("[");
        foreach (var (runId, attempt) in renew.Leases)
            leases.Append(leases.Length > 1 ? "," : "").Append("[\"").Append(runId).Append("\",").Append(attempt).Append(']');
        leases.Append(']');
        return ValueTask.FromResult<IReadOnlyList<HeldLease>>(s.List($"""
            UPDATE runs SET lease_expires_at_ms = $now + $lease
            WHERE (id, attempt) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($leases))
              AND lease_owner = $owner AND status IN {HeldStatuses}
            RETURNING id, attempt, status
            """, r => new HeldLease(r.GetString(0), (int)r.GetInt64(1), r.GetString(2)),
            ("$now", renew.NowMs), ("$lease", renew.LeaseMs), ("$leases", leases.ToString()), ("$owner", renew.Owner)));
    }

    public ValueTask<Run?> RunStatusSetAsync(RunStatusSet set)
    {
        var now = set.NowMs / 1000;
        return ValueTask.FromResult(s.Single($"""
            UPDATE runs SET
                status = $status,
                required_action = $required_action,
                expires_at = COALESCE($expires_at, expires_at),
                lease_expires_at_ms = CASE WHEN $status IN {HeldStatuses} THEN lease_expires_at_ms END,
                ended_at_ms = CASE WHEN $terminal = 1 THEN $now_ms END,
                completed_at = CASE WHEN $status = 'completed' THEN $now ELSE completed_at END,
                failed_at = CASE WHEN $status = 'failed' THEN $now ELSE failed_at END,
                cancelled_at = CASE WHEN $status = 'cancelled' THEN $now ELSE cancelled_at END,
                incomplete_reason = $incomplete_reason,
                last_error_code = $error_code,
                last_error_message = $error_message,
                prompt_tokens = COALESCE($prompt_tokens, prompt_tokens),
                completion_tokens = COALESCE($completion_tokens, completion_tokens),
                first_token_at_ms = CASE WHEN $attempt IS NULL THEN first_token_at_ms ELSE $first_token_at_ms END
            WHERE id = $id AND ($attempt IS NULL OR (attempt = $attempt AND status IN {HeldStatuses}))
              AND ($from IS NULL OR status = $from)
            RETURNING {Unaliased(Rows.RunColumns)}
            """, Rows.Run, ("$from", set.FromStatus), ("$status", set.Status), ("$required_action", set.RequiredAction.OrNull()), ("$expires_at", set.ExpiresAt),
            ("$terminal", RunStatus.IsTerminal(set.Status).Flag()), ("$now_ms", set.NowMs), ("$now", now),
            ("$incomplete_reason", set.IncompleteReason), ("$error_code", set.Error?.Code), ("$error_message", set.Error?.Message),
            ("$prompt_tokens", set.Usage?.PromptTokens), ("$completion_tokens", set.Usage?.CompletionTokens),
            ("$first_token_at_ms", set.FirstTokenAtMs), ("$id", set.RunId), ("$attempt", set.Attempt is { } a ? (long)a : null)));
    }

    public ValueTask<bool> RunRequeueAsync(string runId, int attempt) =>
        ValueTask.FromResult(s.Execute($"""
            UPDATE runs SET status = 'queued', started_at = NULL, started_at_ms = NULL, lease_expires_at_ms = NULL, context_position = CASE WHEN response IS NULL THEN NULL ELSE context_position END,
                queue_key = (SELECT COALESCE(MIN(q.queue_key), 0) - 1 FROM runs q WHERE q.thread_id = runs.thread_id AND q.status = 'queued')
            WHERE id = $id AND attempt = $attempt AND status IN {HeldStatuses}
            """, ("$id", runId), ("$attempt", (long)attempt)) > 0);

    public ValueTask RunResumeAsync(string runId, long nowMs)
    {
        s.Execute("""
            UPDATE runs SET status = 'queued', required_action = NULL, eligible_at_ms = $now,
                queue_key = (SELECT COALESCE(MIN(q.queue_key), 0) - 1 FROM runs q WHERE q.thread_id = runs.thread_id AND q.status = 'queued')
            WHERE id = $id AND status = 'requires_action'
            """, ("$id", runId), ("$now", nowMs));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<LapsedRun>> RunLapsedListAsync(long nowMs, int max) =>
        ValueTask.FromResult<IReadOnlyList<LapsedRun>>(s.List($"""
            SELECT id, attempt
            FROM runs WHERE status IN {HeldStatuses} AND lease_expires_at_ms < $now
            ORDER BY lease_expires_at_ms LIMIT $max
            """, r => new LapsedRun(r.GetString(0), (int)r.GetInt64(1)),
            ("$now", nowMs), ("$max", (long)max)));

    public ValueTask<IReadOnlyList<string>> RunExpiredListAsync(long nowSeconds, int max) =>
        ValueTask.FromResult<IReadOnlyList<string>>(s.List(
            "SELECT id FROM runs WHERE status = 'requires_action' AND expires_at <= $now ORDER BY expires_at LIMIT $max",
            r => r.GetString(0), ("$now", nowSeconds), ("$max", (long)max)));

    public ValueTask<QueueDeadlines> RunDeadlinesGetAsync()
    {
        using var reader = SqliteSession.Bind(s.Command($"""
            SELECT (SELECT MIN(next_run_at_ms) FROM threads WHERE next_run_at_ms IS NOT NULL),
                   (SELECT MIN(expires_at) * 1000 FROM runs WHERE status = 'requires_action'),
                   (SELECT MIN(lease_expires_at_ms) FROM runs WHERE status IN {HeldStatuses})
            """), []).ExecuteReader();
        reader.Read();
        return ValueTask.FromResult(new QueueDeadlines(
            reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2)));
    }
}

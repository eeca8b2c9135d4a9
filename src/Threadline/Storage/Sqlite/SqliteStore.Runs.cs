using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using Threadline.Runs;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    /// <summary>A queued run's position: the active run and the queued runs before it.</summary>
    private const string SelectRun = $"""
        SELECT x.*,
               CASE WHEN x.status = 'queued' THEN
                   (SELECT count(*) FROM runs q WHERE q.thread_id = x.thread_id
                        AND (q.status IN {ActiveStatuses} OR (q.status = 'queued' AND q.queue_key < x.queue_key)))
               END AS queue_position
        FROM runs x
        """;

    public Task<RunCreateResult> RunCreateAsync(RunCreate create, CancellationToken ct) =>
        db.WriteAsync<RunCreateResult>(async (c, tx) =>
        {
            // :: Step 1: the thread, made or found when it comes with the request.
            var nowMs = Now(create.NowMs);
            create = create with { NowMs = nowMs };
            var run = create.Run with
            {
                CreatedAt = nowMs / 1000,
                CreatedAtMs = nowMs,
                EligibleAtMs = nowMs + (create.Run.EligibleAtMs - create.Run.CreatedAtMs),
            };
            // Strict mode refuses before anything is written, also to a thread found by its external id.
            if (create.OnActive == OnActive.Reject && create.NewThread?.Thread is { ExternalId: { } externalId } wanted
                && await SingleAsync(c, $"{SelectThread} WHERE x.project_id = @ProjectId AND x.external_id = @externalId",
                    new { wanted.ProjectId, externalId }, Rows.Thread, tx) is { } found
                && await RunBlockingAsync(c, tx, found.Id) is { } holding)
                return new(null, found, false, false, holding);
            var thread = create.NewThread is { } newThread
                ? (await ThreadCreateAsync(c, tx, newThread, nowMs)).Thread
                : await ThreadReadAsync(c, tx, run.ProjectId, run.ThreadId);
            if (thread is null)
                return new(null, null, false, ThreadMissing: true, null);
            run = run with { ThreadId = thread.Id };

            // :: Step 2: strict mode answers as the hosted API did.
            if (create.OnActive == OnActive.Reject && await RunBlockingAsync(c, tx, thread.Id) is { } blocking)
                return new(null, thread, false, false, blocking);

            // :: Step 3: additional messages join the thread (and restart debounce timers).
            foreach (var message in create.AdditionalMessages)
                await MessageAppendAsync(c, tx, message with { ThreadId = thread.Id }, create.NowMs);

            // :: Step 4: a debounced call joins the thread's open debounced run of the same assistant.
            if (run.DebounceMs > 0)
            {
                var joined = await c.ExecuteScalarAsync<string?>("""
                    UPDATE runs SET eligible_at_ms = MIN(MAX(eligible_at_ms, @NowMs + @DebounceMs), created_at_ms + max_wait_ms)
                    WHERE id = (SELECT id FROM runs WHERE thread_id = @ThreadId AND assistant_id = @AssistantId
                                  AND status = 'queued' AND debounce_ms > 0 AND attempt = 0
                                ORDER BY queue_key DESC LIMIT 1)
                    RETURNING id
                    """, new { create.NowMs, run.DebounceMs, run.ThreadId, run.AssistantId }, tx);
                if (joined is not null)
                    return new(await RunReadAsync(c, tx, run.ProjectId, thread.Id, joined), thread, Joined: true, false, null);
            }

            // :: Step 5: interrupting cancels the active run and puts this one first in line.
            var interrupting = create.OnActive == OnActive.Interrupt && thread.ActiveRunId is not null;
            if (interrupting)
                await RunRequestCancelAsync(c, tx, thread.ActiveRunId!, create.NowMs);

            await RunInsertAsync(c, tx, run, interrupting);
            return new(await RunReadAsync(c, tx, run.ProjectId, thread.Id, run.Id), thread, false, false, null)
            {
                InterruptedRunId = interrupting ? thread.ActiveRunId : null,
            };
        }, ct);

    private static Task RunInsertAsync(SqliteConnection c, IDbTransaction tx, Run r, bool first) =>
        c.ExecuteAsync($"""
            INSERT INTO runs (id, project_id, thread_id, assistant_id, status, created_at, expires_at, model, instructions,
                              additional_instructions, tools, metadata, temperature, top_p, max_prompt_tokens,
                              max_completion_tokens, truncation_strategy, tool_choice, parallel_tool_calls, response_format,
                              reasoning_effort, queue_key, debounce_ms, max_wait_ms, created_at_ms, eligible_at_ms)
            VALUES (@Id, @ProjectId, @ThreadId, @AssistantId, @Status, @CreatedAt, @ExpiresAt, @Model, @Instructions,
                    @AdditionalInstructions, @Tools, @Metadata, @Temperature, @TopP, @MaxPromptTokens,
                    @MaxCompletionTokens, @TruncationStrategy, @ToolChoice, @ParallelToolCalls, @ResponseFormat,
                    @ReasoningEffort,
                    {(first
                        ? "(SELECT COALESCE(MIN(queue_key), 0) - 1 FROM runs WHERE thread_id = @ThreadId AND status = 'queued')"
                        : "(SELECT COALESCE(MAX(queue_key), 0) + 1 FROM runs WHERE thread_id = @ThreadId)")},
                    @DebounceMs, @MaxWaitMs, @CreatedAtMs, @EligibleAtMs)
            """, new
        {
            r.Id, r.ProjectId, r.ThreadId, r.AssistantId, r.Status, r.CreatedAt, r.ExpiresAt, r.Model, r.Instructions,
            r.AdditionalInstructions, Tools = JsonColumns.Write(r.Tools), Metadata = JsonColumns.Write(r.Metadata),
            r.Temperature, r.TopP, r.MaxPromptTokens, r.MaxCompletionTokens,
            TruncationStrategy = JsonColumns.Write(r.TruncationStrategy), ToolChoice = JsonColumns.Write(r.ToolChoice),
            r.ParallelToolCalls, ResponseFormat = JsonColumns.Write(r.ResponseFormat), r.ReasoningEffort,
            r.DebounceMs, r.MaxWaitMs, r.CreatedAtMs, r.EligibleAtMs,
        }, tx);

    private static Task<Run?> RunReadAsync(SqliteConnection c, IDbTransaction? tx, string projectId, string threadId, string runId) =>
        SingleAsync(c, $"{SelectRun} WHERE x.id = @runId AND x.thread_id = @threadId AND x.project_id = @projectId",
            new { projectId, threadId, runId }, Rows.Run, tx);

    public Task<Run?> RunGetAsync(string projectId, string threadId, string runId, CancellationToken ct) =>
        db.ReadAsync(c => RunReadAsync(c, null, projectId, threadId, runId), ct);

    public async Task<bool> RunMetadataUpdateAsync(string projectId, string threadId, string runId, IReadOnlyDictionary<string, string> metadata, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE runs SET metadata = @metadata WHERE id = @runId AND thread_id = @threadId AND project_id = @projectId",
            new { projectId, threadId, runId, metadata = JsonColumns.Write(metadata) }, tx), ct) > 0;

    public Task<Page<Run>> RunListAsync(string projectId, string threadId, PageRequest page, CancellationToken ct) =>
        db.ReadAsync(c => PageAsync(c, SelectRun, "runs", "x.thread_id = @threadId AND x.project_id = @projectId", "seq",
            new DynamicParameters(new { projectId, threadId }), page, Rows.Run), ct);

    public Task<RunCancelResult> RunCancelAsync(RunCancel cancel, CancellationToken ct) =>
        db.WriteAsync<RunCancelResult>(async (c, tx) =>
        {
            var run = await RunReadAsync(c, tx, cancel.ProjectId, cancel.ThreadId, cancel.RunId);
            if (run is null)
                return new(null, null);
            if (run.IsTerminal || run.Status == RunStatus.Cancelling)
                return new(run, run.Status);
            await RunRequestCancelAsync(c, tx, run.Id, Now(cancel.NowMs));
            return new(await RunReadAsync(c, tx, cancel.ProjectId, cancel.ThreadId, cancel.RunId), null);
        }, ct);

    /// <summary>
    /// A run nobody is executing (queued, or waiting for tool outputs) ends at once; an executing
    /// run moves to <c>cancelling</c> and its executor finishes the job.
    /// </summary>
    private async Task RunRequestCancelAsync(SqliteConnection c, IDbTransaction tx, string runId, long nowMs)
    {
        await c.ExecuteAsync("""
            UPDATE runs SET
                status = CASE WHEN status = 'in_progress' THEN 'cancelling' ELSE 'cancelled' END,
                cancelled_at = CASE WHEN status = 'in_progress' THEN NULL ELSE @now END,
                ended_at_ms = CASE WHEN status = 'in_progress' THEN NULL ELSE @nowMs END,
                required_action = NULL
            WHERE id = @runId AND status IN ('queued', 'in_progress', 'requires_action');
            UPDATE run_steps SET status = 'cancelled', cancelled_at = @now
            WHERE run_id = @runId AND status = 'in_progress'
              AND (SELECT status FROM runs WHERE id = @runId) = 'cancelled';
            """, new { runId, nowMs, now = nowMs / 1000 }, tx);
        var run = await SingleAsync(c, $"{SelectRun} WHERE x.id = @runId", new { runId }, Rows.Run, tx);
        if (run is { Status: RunStatus.Cancelled })
            await RunEventsEnqueueAsync(c, tx, run, null, nowMs);
    }
}

using System.Data;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Data.Sqlite;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    /// <summary>
    /// The head of each thread's queue (I2), on threads with no active run (I1). The partial
    /// unique index backs I1 should two claims ever race.
    /// </summary>
    private const string ClaimableHeads = $"""
        r.status = 'queued'
        AND r.queue_key = (SELECT MIN(q.queue_key) FROM runs q WHERE q.thread_id = r.thread_id AND q.status = 'queued')
        AND NOT EXISTS (SELECT 1 FROM runs a WHERE a.thread_id = r.thread_id AND a.status IN {ActiveStatuses})
        """;

    /// <summary>The run, while <c>@Owner</c> holds its lease.</summary>
    private const string LeasedRun = $"{SelectRun} WHERE x.id = @RunId AND x.lease_owner = @Owner AND x.status IN ('in_progress', 'cancelling')";

    /// <summary>
    /// Taking a run: a run resumed after tool outputs keeps the thread position it first saw (I4).
    /// The returned row says when the thread's previous run ended, to measure the handoff.
    /// </summary>
    private const string ClaimSet = """
        UPDATE runs SET
            status = 'in_progress', started_at = COALESCE(started_at, @NowMs / 1000), started_at_ms = @NowMs,
            lease_owner = @Owner, lease_expires_at_ms = @NowMs + @LeaseMs, attempt = attempt + 1,
            context_position = COALESCE(context_position, (SELECT t.last_position FROM threads t WHERE t.id = runs.thread_id))
        """;

    private const string ClaimReturning = """
        RETURNING *, NULL AS queue_position,
            (SELECT MAX(p.ended_at_ms) FROM runs p WHERE p.thread_id = runs.thread_id AND p.id <> runs.id) AS previous_ended_at_ms
        """;

    public Task<IReadOnlyList<Run>> RunClaimNextAsync(RunClaim claim, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<Run>>(async (c, tx) => await ListAsync(c, $"""
            {ClaimSet}
            WHERE id IN (SELECT r.id FROM runs r WHERE {ClaimableHeads} AND r.eligible_at_ms <= @NowMs
                         ORDER BY r.eligible_at_ms LIMIT @Max)
            {ClaimReturning}
            """, claim with { NowMs = Now(claim.NowMs) }, Rows.Run, tx), ct);

    public Task<QueueDeadlines> RunDeadlinesAsync(CancellationToken ct) =>
        db.ReadAsync(async c =>
        {
            await using var reader = await c.ExecuteReaderAsync($"""
                SELECT (SELECT MIN(r.eligible_at_ms) FROM runs r WHERE {ClaimableHeads}),
                       (SELECT MIN(expires_at) * 1000 FROM runs WHERE status = 'requires_action')
                """);
            await reader.ReadAsync(ct);
            return new QueueDeadlines(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
        }, ct);

    /// <summary>The thread as the run saw it (I4), without the run's own output (its steps carry that).</summary>
    public Task<IReadOnlyList<Message>> RunContextLoadAsync(Run run, CancellationToken ct) =>
        db.ReadAsync<IReadOnlyList<Message>>(async c => await ListAsync(c, $"""
            {SelectMessage} WHERE x.thread_id = @ThreadId AND x.position < @bound AND (x.run_id IS NULL OR x.run_id <> @Id)
            ORDER BY x.position, x.seq
            """, new { run.ThreadId, run.Id, bound = (run.ContextPosition!.Value + 1) * PositionSpacing }, Rows.Message), ct);

    public Task<string?> RunLeaseRenewAsync(RunLeaseRenew renew, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.ExecuteScalarAsync<string?>("""
            UPDATE runs SET lease_expires_at_ms = @NowMs + @LeaseMs
            WHERE id = @RunId AND lease_owner = @Owner AND status IN ('in_progress', 'cancelling')
            RETURNING status
            """, renew, tx), ct);

    public Task<RunOutput?> RunOutputBeginAsync(RunOutputBegin b, CancellationToken ct) =>
        db.WriteAsync<RunOutput?>(async (c, tx) =>
        {
            var run = await SingleAsync(c, LeasedRun, b, Rows.Run, tx);
            if (run is null)
                return null;
            var now = Now(b.NowMs) / 1000;
            // I4: the reply sits right after the last message the run saw.
            var position = await c.ExecuteScalarAsync<long>(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM messages WHERE thread_id = @ThreadId AND position < @bound",
                new { run.ThreadId, bound = (run.ContextPosition!.Value + 1) * PositionSpacing }, tx);
            var message = new Message
            {
                Id = Ids.Message(), ProjectId = run.ProjectId, ThreadId = run.ThreadId, CreatedAt = now, Position = position,
                Status = MessageStatus.InProgress, Role = MessageRole.Assistant, Content = [], AssistantId = run.AssistantId,
                RunId = run.Id, Attachments = [], Metadata = Metadata.Empty,
            };
            var step = NewStep(run, now, RunStepType.MessageCreation,
                new JsonObject { ["type"] = RunStepType.MessageCreation, ["message_creation"] = new JsonObject { ["message_id"] = message.Id } });
            await MessageInsertAsync(c, tx, message);
            await RunStepInsertAsync(c, tx, step);
            return new RunOutput(message, step);
        }, ct);

    public Task<RunRequireActionResult> RunRequireActionAsync(RunRequireAction r, CancellationToken ct) =>
        db.WriteAsync<RunRequireActionResult>(async (c, tx) =>
        {
            var run = await SingleAsync(c, LeasedRun, r, Rows.Run, tx);
            if (run is null)
                return new(null, null, null, null);
            r = r with { NowMs = Now(r.NowMs) };
            var now = r.NowMs / 1000;
            var (message, step) = r.Output is { } output
                ? await OutputEndAsync(c, tx, output, r.OutputText ?? "", MessageStatus.Completed, null, "completed", null, now, null)
                : (null, null);

            var stepCalls = new JsonArray(r.ToolCalls.Select(call => (JsonNode)new JsonObject
            {
                ["id"] = (string?)call!["id"], ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = (string?)call["function"]!["name"], ["arguments"] = (string?)call["function"]!["arguments"], ["output"] = null },
            }).ToArray());
            var toolStep = NewStep(run, now, RunStepType.ToolCalls, new JsonObject { ["type"] = RunStepType.ToolCalls, ["tool_calls"] = stepCalls });
            await RunStepInsertAsync(c, tx, toolStep);

            var requiredAction = new JsonObject
            {
                ["type"] = "submit_tool_outputs",
                ["submit_tool_outputs"] = new JsonObject { ["tool_calls"] = r.ToolCalls.DeepClone() },
            };
            await c.ExecuteAsync("""
                UPDATE runs SET status = 'requires_action', required_action = @RequiredAction, expires_at = @ExpiresAt,
                    lease_owner = NULL, lease_expires_at_ms = NULL, prompt_tokens = @PromptTokens, completion_tokens = @CompletionTokens
                WHERE id = @RunId
                """, new
            {
                RequiredAction = JsonColumns.Write(requiredAction), r.ExpiresAt, r.RunId,
                PromptTokens = r.Usage?.PromptTokens, CompletionTokens = r.Usage?.CompletionTokens,
            }, tx);
            var waiting = (await RunReadAsync(c, tx, run.ProjectId, run.ThreadId, run.Id))!;
            await RunEventsEnqueueAsync(c, tx, waiting, message, r.NowMs);
            return new(waiting, toolStep, message, step);
        }, ct);

    public Task<RunToolOutputsResult> RunToolOutputsSubmitAsync(RunToolOutputsSubmit s, CancellationToken ct) =>
        db.WriteAsync<RunToolOutputsResult>(async (c, tx) =>
        {
            var run = await RunReadAsync(c, tx, s.ProjectId, s.ThreadId, s.RunId);
            if (run is null)
                return new(null, null, null, null);
            if (run.Status != RunStatus.RequiresAction)
                return new(run, null, run.Status, null);
            var step = await SingleAsync(c, $"{SelectRunStep} WHERE x.run_id = @RunId AND x.type = 'tool_calls' AND x.status = 'in_progress' ORDER BY x.seq DESC LIMIT 1",
                new { s.RunId }, Rows.RunStep, tx);
            var calls = step?.StepDetails["tool_calls"]?.AsArray() ?? [];
            var expected = calls.Select(call => (string)call!["id"]!).ToList();
            var given = s.Outputs.Select(o => o.Key).ToList();
            if (given.Distinct().Count() != given.Count || !expected.Order().SequenceEqual(given.Order()))
                return new(run, null, null, $"Expected tool outputs for call_ids [{Quote(expected)}], got [{Quote(given)}]");

            var outputs = s.Outputs.ToDictionary(o => o.Key, o => o.Value);
            s = s with { NowMs = Now(s.NowMs) };
            foreach (var call in calls)
                call!["function"]!["output"] = outputs[(string)call["id"]!];
            var now = s.NowMs / 1000;
            await c.ExecuteAsync("""
                UPDATE run_steps SET status = 'completed', completed_at = @now, step_details = @Details WHERE id = @Id;
                UPDATE runs SET status = 'queued', required_action = NULL, eligible_at_ms = @NowMs,
                    queue_key = (SELECT COALESCE(MIN(queue_key), 0) - 1 FROM runs WHERE thread_id = @ThreadId AND status = 'queued')
                WHERE id = @RunId;
                """, new { now, Details = JsonColumns.Write(step!.StepDetails), step.Id, s.NowMs, run.ThreadId, s.RunId }, tx);
            return new(await RunReadAsync(c, tx, s.ProjectId, s.ThreadId, s.RunId), step with { Status = "completed", CompletedAt = now }, null, null);
        }, ct);

    public Task<RunFinishResult> RunFinishAsync(RunFinish f, CancellationToken ct) =>
        db.WriteAsync<RunFinishResult>(async (c, tx) =>
        {
            var current = await SingleAsync(c, LeasedRun, f, Rows.Run, tx);
            if (current is null)
                return new(null, null, null);
            f = f with { NowMs = Now(f.NowMs) };

            // A cancel that arrived while the model worked wins: the reply is kept, marked incomplete.
            var status = current.Status == RunStatus.Cancelling ? RunStatus.Cancelled : f.Status;
            var now = f.NowMs / 1000;
            var (messageStatus, messageReason) = status switch
            {
                RunStatus.Completed => (MessageStatus.Completed, (string?)null),
                RunStatus.Cancelled => (MessageStatus.Incomplete, "run_cancelled"),
                RunStatus.Failed => (MessageStatus.Incomplete, "run_failed"),
                RunStatus.Expired => (MessageStatus.Incomplete, "run_expired"),
                _ => (MessageStatus.Incomplete, f.IncompleteReason is "max_completion_tokens" ? "max_tokens" : f.IncompleteReason),
            };
            var stepStatus = status is RunStatus.Completed or RunStatus.Incomplete ? "completed" : status;
            var (reply, step) = f.Output is { } output
                ? await OutputEndAsync(c, tx, output, f.ReplyText ?? "", messageStatus, messageReason, stepStatus,
                    status == RunStatus.Failed ? f.Error : null, now, f.Usage)
                : (null, null);

            await c.ExecuteAsync("""
                UPDATE runs SET status = @status, ended_at_ms = @NowMs, lease_expires_at_ms = NULL, required_action = NULL,
                    completed_at = CASE WHEN @status = 'completed' THEN @now END,
                    failed_at = CASE WHEN @status = 'failed' THEN @now END,
                    cancelled_at = CASE WHEN @status = 'cancelled' THEN @now END,
                    incomplete_reason = CASE WHEN @status = 'incomplete' THEN @IncompleteReason END,
                    last_error_code = CASE WHEN @status = 'failed' THEN @ErrorCode END,
                    last_error_message = CASE WHEN @status = 'failed' THEN @ErrorMessage END,
                    prompt_tokens = @PromptTokens, completion_tokens = @CompletionTokens
                WHERE id = @RunId
                """, new
            {
                status, f.NowMs, now, f.IncompleteReason, ErrorCode = f.Error?.Code, ErrorMessage = f.Error?.Message,
                PromptTokens = f.Usage?.PromptTokens, CompletionTokens = f.Usage?.CompletionTokens, f.RunId,
            }, tx);
            // Tool-call steps left open by a cancel end with the run.
            if (status is RunStatus.Cancelled or RunStatus.Failed)
                await c.ExecuteAsync($"UPDATE run_steps SET status = @status, {(status == RunStatus.Failed ? "failed_at" : "cancelled_at")} = @now WHERE run_id = @RunId AND status = 'in_progress'",
                    new { status, now, f.RunId }, tx);
            var ended = (await RunReadAsync(c, tx, current.ProjectId, current.ThreadId, current.Id))!;
            await RunEventsEnqueueAsync(c, tx, ended, reply, f.NowMs);

            // Handoff: the thread's next run, when it may start now, is taken in the same transaction,
            // so it starts without waiting for a scheduler pass or a free slot.
            var next = f.HandoffLeaseMs is not { } leaseMs ? null : await SingleAsync(c, $"""
                {ClaimSet}
                WHERE id = (SELECT r.id FROM runs r WHERE r.thread_id = @ThreadId AND {ClaimableHeads} AND r.eligible_at_ms <= @NowMs)
                {ClaimReturning}
                """, new { f.NowMs, f.Owner, LeaseMs = leaseMs, current.ThreadId }, Rows.Run, tx);
            return new(ended, reply, step) { Next = next };
        }, ct);

    /// <summary>Writes the reply's final text and status, and its step's.</summary>
    private static async Task<(Message, RunStep)> OutputEndAsync(SqliteConnection c, IDbTransaction tx, RunOutput output, string text,
        string messageStatus, string? reason, string stepStatus, RunError? error, long now, Usage? usage)
    {
        var message = output.Message with
        {
            Content = MessageContent.FromText(text),
            Status = messageStatus,
            IncompleteReason = reason,
            CompletedAt = messageStatus == MessageStatus.Completed ? now : null,
            IncompleteAt = messageStatus == MessageStatus.Incomplete ? now : null,
        };
        var step = output.Step with
        {
            Status = stepStatus,
            LastError = error,
            CompletedAt = stepStatus == "completed" ? now : null,
            CancelledAt = stepStatus == RunStatus.Cancelled ? now : null,
            FailedAt = stepStatus == RunStatus.Failed ? now : null,
            ExpiredAt = stepStatus == RunStatus.Expired ? now : null,
            Usage = usage,
        };
        await c.ExecuteAsync("""
            UPDATE messages SET content = @Content, status = @Status, incomplete_reason = @IncompleteReason,
                completed_at = @CompletedAt, incomplete_at = @IncompleteAt
            WHERE id = @Id
            """, new { Content = JsonColumns.Write(message.Content), message.Status, message.IncompleteReason, message.CompletedAt, message.IncompleteAt, message.Id }, tx);
        await c.ExecuteAsync("""
            UPDATE run_steps SET status = @Status, last_error_code = @ErrorCode, last_error_message = @ErrorMessage,
                completed_at = @CompletedAt, cancelled_at = @CancelledAt, failed_at = @FailedAt, expired_at = @ExpiredAt,
                prompt_tokens = @PromptTokens, completion_tokens = @CompletionTokens
            WHERE id = @Id
            """, new
        {
            step.Status, ErrorCode = error?.Code, ErrorMessage = error?.Message, step.CompletedAt, step.CancelledAt, step.FailedAt,
            step.ExpiredAt, PromptTokens = usage?.PromptTokens, CompletionTokens = usage?.CompletionTokens, step.Id,
        }, tx);
        return (message, step);
    }

    private static RunStep NewStep(Run run, long now, string type, JsonObject details) => new()
    {
        Id = Ids.Step(), ProjectId = run.ProjectId, ThreadId = run.ThreadId, RunId = run.Id, AssistantId = run.AssistantId,
        Type = type, Status = "in_progress", StepDetails = details, CreatedAt = now, Metadata = Metadata.Empty,
    };

    private static string Quote(IEnumerable<string> ids) => string.Join(", ", ids.Select(i => $"'{i}'"));

    /// <summary>
    /// Lapsed leases (I5): a cancelling run ends cancelled; a run that wrote nothing goes back to
    /// the head of its queue; a run that had written output fails with <c>server_error</c>.
    /// Runs waiting for tool outputs past <c>expires_at</c> expire (I6).
    /// </summary>
    public Task<RunRescueResult> RunRescueAsync(RunRescue rescue, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var p = new { rescue.NowMs, now = rescue.NowMs / 1000, rescue.FailureMessage };
            var expired = (await c.QueryAsync<string>("""
                UPDATE runs SET status = 'expired', ended_at_ms = @NowMs, required_action = NULL
                WHERE status = 'requires_action' AND expires_at <= @now
                RETURNING id
                """, p, tx)).ToList();
            var cancelled = (await c.QueryAsync<string>("""
                UPDATE runs SET status = 'cancelled', cancelled_at = @now, ended_at_ms = @NowMs, lease_expires_at_ms = NULL
                WHERE status = 'cancelling' AND lease_expires_at_ms < @NowMs
                RETURNING id
                """, p, tx)).ToList();
            var failed = (await c.QueryAsync<string>("""
                UPDATE runs SET status = 'failed', failed_at = @now, ended_at_ms = @NowMs, lease_expires_at_ms = NULL,
                    last_error_code = 'server_error', last_error_message = @FailureMessage
                WHERE status = 'in_progress' AND lease_expires_at_ms < @NowMs
                  AND (EXISTS (SELECT 1 FROM messages m WHERE m.run_id = runs.id) OR EXISTS (SELECT 1 FROM run_steps s WHERE s.run_id = runs.id))
                RETURNING id
                """, p, tx)).ToList();
            var requeued = await c.ExecuteAsync("""
                UPDATE runs SET status = 'queued', started_at = NULL, started_at_ms = NULL, lease_owner = NULL,
                    lease_expires_at_ms = NULL, context_position = NULL
                WHERE status = 'in_progress' AND lease_expires_at_ms < @NowMs
                """, p, tx);
            var ended = expired.Concat(cancelled).Concat(failed).ToList();
            if (ended.Count > 0)
            {
                // What the ended runs left open ends with them.
                await c.ExecuteAsync("""
                    UPDATE messages SET status = 'incomplete', incomplete_at = @now,
                        incomplete_reason = CASE (SELECT r.status FROM runs r WHERE r.id = messages.run_id)
                            WHEN 'cancelled' THEN 'run_cancelled' WHEN 'expired' THEN 'run_expired' ELSE 'run_failed' END
                    WHERE status = 'in_progress' AND run_id IN (SELECT id FROM runs WHERE ended_at_ms = @NowMs);
                    UPDATE run_steps SET status = (SELECT r.status FROM runs r WHERE r.id = run_steps.run_id),
                        failed_at = CASE (SELECT r.status FROM runs r WHERE r.id = run_steps.run_id) WHEN 'failed' THEN @now END,
                        cancelled_at = CASE (SELECT r.status FROM runs r WHERE r.id = run_steps.run_id) WHEN 'cancelled' THEN @now END,
                        expired_at = CASE (SELECT r.status FROM runs r WHERE r.id = run_steps.run_id) WHEN 'expired' THEN @now END
                    WHERE status = 'in_progress' AND run_id IN (SELECT id FROM runs WHERE ended_at_ms = @NowMs);
                    """, p, tx);
            }
            foreach (var id in ended)
            {
                var run = await SingleAsync(c, $"{SelectRun} WHERE x.id = @id", new { id }, Rows.Run, tx);
                await RunEventsEnqueueAsync(c, tx, run!, null, rescue.NowMs);
            }
            return new RunRescueResult(requeued, failed.Count, cancelled.Count, expired.Count);
        }, ct);
}

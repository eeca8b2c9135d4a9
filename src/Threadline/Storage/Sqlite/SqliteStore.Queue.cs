using System.Text.Json.Nodes;
using Dapper;
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

    public Task<IReadOnlyList<ClaimedRun>> RunClaimNextAsync(RunClaim claim, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<ClaimedRun>>(async (c, tx) =>
        {
            var claimed = new List<ClaimedRun>();
            await using var reader = await c.ExecuteReaderAsync($"""
                UPDATE runs SET
                    status = 'in_progress', started_at = @NowMs / 1000, started_at_ms = @NowMs,
                    lease_owner = @Owner, lease_expires_at_ms = @NowMs + @LeaseMs, attempt = attempt + 1,
                    context_position = (SELECT t.last_position FROM threads t WHERE t.id = runs.thread_id)
                WHERE id IN (SELECT r.id FROM runs r WHERE {ClaimableHeads} AND r.eligible_at_ms <= @NowMs
                             ORDER BY r.eligible_at_ms LIMIT @Max)
                RETURNING *, NULL AS queue_position
                """, claim, tx);
            while (await reader.ReadAsync(ct))
                claimed.Add(new ClaimedRun(Rows.Run(reader), reader.GetInt64(reader.GetOrdinal("context_position")), reader.GetInt32(reader.GetOrdinal("attempt"))));
            return claimed;
        }, ct);

    public Task<long?> RunNextEligibleAtAsync(CancellationToken ct) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<long?>($"SELECT MIN(r.eligible_at_ms) FROM runs r WHERE {ClaimableHeads}"), ct);

    public Task<IReadOnlyList<Message>> RunContextLoadAsync(string threadId, long contextPosition, CancellationToken ct) =>
        db.ReadAsync<IReadOnlyList<Message>>(async c => await ListAsync(c,
            $"{SelectMessage} WHERE x.thread_id = @threadId AND x.position < @bound ORDER BY x.position, x.seq",
            new { threadId, bound = (contextPosition + 1) * PositionSpacing }, Rows.Message), ct);

    public Task<string?> RunLeaseRenewAsync(RunLeaseRenew renew, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.ExecuteScalarAsync<string?>("""
            UPDATE runs SET lease_expires_at_ms = @NowMs + @LeaseMs
            WHERE id = @RunId AND lease_owner = @Owner AND status IN ('in_progress', 'cancelling')
            RETURNING status
            """, renew, tx), ct);

    public Task<RunFinishResult> RunFinishAsync(RunFinish f, CancellationToken ct) =>
        db.WriteAsync<RunFinishResult>(async (c, tx) =>
        {
            var current = await SingleAsync(c, $"{SelectRun} WHERE x.id = @RunId AND x.lease_owner = @Owner AND x.status IN ('in_progress', 'cancelling')", f, Rows.Run, tx);
            if (current is null)
                return new(null, null);

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
            var stepStatus = status == RunStatus.Completed || status == RunStatus.Incomplete ? "completed" : status;

            Message? reply = null;
            if (f.ReplyText is not null)
            {
                reply = new Message
                {
                    Id = Ids.Message(), ProjectId = current.ProjectId, ThreadId = current.ThreadId, CreatedAt = now,
                    Status = messageStatus, IncompleteReason = messageReason,
                    CompletedAt = messageStatus == MessageStatus.Completed ? now : null,
                    IncompleteAt = messageStatus == MessageStatus.Incomplete ? now : null,
                    Role = MessageRole.Assistant, Content = MessageContent.FromText(f.ReplyText),
                    AssistantId = current.AssistantId, RunId = current.Id, Attachments = [], Metadata = Metadata.Empty,
                };
                // I4: the reply sits right after the last message the run saw.
                var position = await c.ExecuteScalarAsync<long>(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM messages WHERE thread_id = @ThreadId AND position < @bound",
                    new { current.ThreadId, bound = (f.ContextPosition + 1) * PositionSpacing }, tx);
                reply = reply with { Position = position };
                await MessageInsertAsync(c, tx, reply);
                await RunStepInsertAsync(c, tx, new RunStep
                {
                    Id = Ids.Step(), ProjectId = current.ProjectId, ThreadId = current.ThreadId, RunId = current.Id,
                    AssistantId = current.AssistantId, Type = RunStepType.MessageCreation, Status = stepStatus,
                    StepDetails = new JsonObject { ["type"] = RunStepType.MessageCreation, ["message_creation"] = new JsonObject { ["message_id"] = reply.Id } },
                    LastError = status == RunStatus.Failed ? f.Error : null, CreatedAt = now,
                    CompletedAt = stepStatus == "completed" ? now : null, CancelledAt = stepStatus == RunStatus.Cancelled ? now : null,
                    FailedAt = stepStatus == RunStatus.Failed ? now : null, ExpiredAt = stepStatus == RunStatus.Expired ? now : null,
                    Metadata = Metadata.Empty, Usage = f.Usage,
                });
            }

            await c.ExecuteAsync("""
                UPDATE runs SET status = @status, ended_at_ms = @NowMs, lease_expires_at_ms = NULL,
                    completed_at = CASE WHEN @status IN ('completed') THEN @now END,
                    failed_at = CASE WHEN @status = 'failed' THEN @now END,
                    cancelled_at = CASE WHEN @status = 'cancelled' THEN @now END,
                    incomplete_reason = CASE WHEN @status = 'incomplete' THEN @IncompleteReason END,
                    last_error_code = CASE WHEN @status = 'failed' THEN @ErrorCode END,
                    last_error_message = CASE WHEN @status = 'failed' THEN @ErrorMessage END,
                    prompt_tokens = @PromptTokens, completion_tokens = @CompletionTokens, required_action = NULL
                WHERE id = @RunId
                """, new
            {
                status, f.NowMs, now, f.IncompleteReason, ErrorCode = f.Error?.Code, ErrorMessage = f.Error?.Message,
                PromptTokens = f.Usage?.PromptTokens, CompletionTokens = f.Usage?.CompletionTokens, f.RunId,
            }, tx);
            return new(await RunReadAsync(c, tx, current.ProjectId, current.ThreadId, current.Id), reply);
        }, ct);

    /// <summary>
    /// Lapsed leases (I5): a cancelling run ends cancelled; a run that wrote nothing goes back to
    /// the head of its queue; a run that had written output fails with <c>server_error</c>.
    /// </summary>
    public Task<RunRescueResult> RunRescueAsync(RunRescue rescue, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var p = new { rescue.NowMs, now = rescue.NowMs / 1000, rescue.FailureMessage };
            var cancelled = await c.ExecuteAsync("""
                UPDATE runs SET status = 'cancelled', cancelled_at = @now, ended_at_ms = @NowMs, lease_expires_at_ms = NULL
                WHERE status = 'cancelling' AND lease_expires_at_ms < @NowMs
                """, p, tx);
            var failed = await c.ExecuteAsync("""
                UPDATE runs SET status = 'failed', failed_at = @now, ended_at_ms = @NowMs, lease_expires_at_ms = NULL,
                    last_error_code = 'server_error', last_error_message = @FailureMessage
                WHERE status = 'in_progress' AND lease_expires_at_ms < @NowMs
                  AND (EXISTS (SELECT 1 FROM messages m WHERE m.run_id = runs.id) OR EXISTS (SELECT 1 FROM run_steps s WHERE s.run_id = runs.id))
                """, p, tx);
            var requeued = await c.ExecuteAsync("""
                UPDATE runs SET status = 'queued', started_at = NULL, started_at_ms = NULL, lease_owner = NULL,
                    lease_expires_at_ms = NULL, context_position = NULL
                WHERE status = 'in_progress' AND lease_expires_at_ms < @NowMs
                """, p, tx);
            if (cancelled + failed > 0)
            {
                await c.ExecuteAsync("""
                    UPDATE messages SET status = 'incomplete', incomplete_at = @now,
                        incomplete_reason = CASE (SELECT r.status FROM runs r WHERE r.id = messages.run_id) WHEN 'cancelled' THEN 'run_cancelled' ELSE 'run_failed' END
                    WHERE status = 'in_progress' AND run_id IN (SELECT id FROM runs WHERE ended_at_ms = @NowMs);
                    UPDATE run_steps SET status = (SELECT r.status FROM runs r WHERE r.id = run_steps.run_id),
                        failed_at = CASE (SELECT r.status FROM runs r WHERE r.id = run_steps.run_id) WHEN 'failed' THEN @now END,
                        cancelled_at = CASE (SELECT r.status FROM runs r WHERE r.id = run_steps.run_id) WHEN 'cancelled' THEN @now END
                    WHERE status = 'in_progress' AND run_id IN (SELECT id FROM runs WHERE ended_at_ms = @NowMs);
                    """, p, tx);
            }
            return new RunRescueResult(requeued, failed, cancelled);
        }, ct);
}

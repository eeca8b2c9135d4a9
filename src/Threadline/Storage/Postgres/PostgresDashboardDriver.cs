using Threadline.Dashboard;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage.Drivers;
using Threadline.Threads;
using Threadline.Webhooks;
using static Threadline.Storage.SqlValues;

namespace Threadline.Storage.Postgres;

/// <summary>
/// The operator's reads (<see cref="IDashboardDriver"/>), across every project, outside any
/// transaction's locks. Each is served by an index of 0005_dashboard.sql or an older one; the test
/// DashboardDriverTests checks their plans.
/// </summary>
internal sealed class PostgresDashboardDriver(PostgresSession s) : IDashboardDriver
{
    /// <summary>NULLs stand for <c>queue_position</c> and <c>previous_ended_at_ms</c>, which no dashboard read needs.</summary>
    private const string SelectRun = $"SELECT {Rows.RunColumns}, NULL::bigint, NULL::bigint, x.seq FROM runs x";

    private const string SelectThread = $"SELECT {Rows.ThreadColumns}, x.seq FROM threads x";

    private const string SelectMessage = $"SELECT {Rows.MessageColumns}, x.seq FROM messages x";

    /// <summary>A list shows no payload: an empty one keeps a page of large events small.</summary>
    private static readonly string SelectDeliveryListed =
        $"SELECT {Rows.DeliveryColumns.Replace("ev.payload", "''::bytea", StringComparison.Ordinal)}, x.seq " +
        "FROM webhook_deliveries x JOIN webhook_events ev ON ev.seq = x.event_seq";

    private static SeqPagingSql Paging() => new("@", name => name);

    public async ValueTask<IReadOnlyDictionary<string, long>> DashboardLiveCountsAsync()
    {
        // One short range of ix_runs_status per live status, never the ended runs.
        var counts = Rows.NoLiveRuns();
        foreach (var (status, count) in await s.ListAsync($"SELECT status, count(*) FROM runs WHERE status IN {Rows.LiveStatuses} GROUP BY status",
                     r => (r.GetString(0), r.GetInt64(1))))
            counts[status] = count;
        return counts;
    }

    public ValueTask<Run?> DashboardOldestQueuedAsync() =>
        s.SingleAsync($"{SelectRun} WHERE x.status = 'queued' ORDER BY x.seq LIMIT 1", Rows.Run);

    public async ValueTask<IReadOnlyList<MinuteStats>> DashboardMinutesAsync(long sinceMs) =>
        await s.ListAsync("""
            SELECT ended_at_ms / 60000 * 60000 AS minute,
                   SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status IN ('completed', 'failed') THEN 0 ELSE 1 END),
                   AVG(started_at_ms - created_at_ms)::double precision, MAX(started_at_ms - created_at_ms),
                   AVG(first_token_at_ms - started_at_ms)::double precision, MAX(first_token_at_ms - started_at_ms)
            FROM runs WHERE ended_at_ms IS NOT NULL AND ended_at_ms >= @since
            GROUP BY minute ORDER BY minute
            """, Rows.Minute, ("since", sinceMs));

    public async ValueTask<SeqPage<ConversationThread>> DashboardThreadsAsync(ThreadQuery q)
    {
        var sql = Paging().Compare("x.id", "=", q.Id).Compare("x.external_id", "=", q.ExternalId);
        if (q.MetadataKey is { } key)
            // Containment, which ix_threads_metadata answers (metadata values are strings, so it matches as ->> would).
            sql.Where($"x.metadata::jsonb @> jsonb_build_object({sql.Parameter(key)}::text, {sql.Parameter(q.MetadataValue ?? "")}::text)");
        return SeqPagingSql.Finish(
            await s.ListAsync(sql.Build(SelectThread, q.BeforeSeq, q.Limit), SeqPagingSql.WithSeq(Rows.Thread), [.. sql.Parameters]), q.Limit);
    }

    public async ValueTask<IReadOnlyList<Run>> DashboardThreadQueueAsync(string threadId)
    {
        // Two reads, each on the index that holds its runs: ux_runs_one_active_per_thread, ix_runs_queued.
        var queue = await s.ListAsync($"{SelectRun} WHERE x.thread_id = @thread AND x.status IN {ActiveStatuses}", Rows.Run, ("thread", threadId));
        queue.AddRange(await s.ListAsync($"{SelectRun} WHERE x.thread_id = @thread AND x.status = 'queued' ORDER BY x.queue_key", Rows.Run, ("thread", threadId)));
        return queue;
    }

    public async ValueTask<SeqPage<Message>> DashboardMessagesAsync(string threadId, long? beforeSeq, int limit)
    {
        // Position order (what the thread reads as), ties by seq; the cursor is the last message's seq,
        // whose (position, seq) bounds the next page on ix_messages_thread.
        var rows = beforeSeq is { } before
            ? await s.ListAsync($"""
                {SelectMessage} WHERE x.thread_id = @thread
                  AND (x.position, x.seq) < (SELECT m.position, m.seq FROM messages m WHERE m.seq = @before AND m.thread_id = @thread)
                ORDER BY x.position DESC, x.seq DESC LIMIT @limit
                """, SeqPagingSql.WithSeq(Rows.Message), ("thread", threadId), ("before", before), ("limit", (long)limit + 1))
            : await s.ListAsync($"{SelectMessage} WHERE x.thread_id = @thread ORDER BY x.position DESC, x.seq DESC LIMIT @limit",
                SeqPagingSql.WithSeq(Rows.Message), ("thread", threadId), ("limit", (long)limit + 1));
        return SeqPagingSql.Finish(rows, limit);
    }

    public async ValueTask<SeqPage<Run>> DashboardRunsAsync(RunQuery q)
    {
        var sql = Paging().Compare("x.status", "=", q.Status).Compare("x.assistant_id", "=", q.AssistantId).Compare("x.model", "=", q.Model)
            .Compare("x.created_at_ms", ">=", q.SinceMs).Compare("x.created_at_ms", "<", q.UntilMs);
        if (q.SinceMs is not null || q.UntilMs is not null)
            sql.OrderedBy("created_at_ms", "runs");
        return SeqPagingSql.Finish(
            await s.ListAsync(sql.Build(SelectRun, q.BeforeSeq, q.Limit), SeqPagingSql.WithSeq(Rows.Run), [.. sql.Parameters]), q.Limit);
    }

    public async ValueTask<IReadOnlyList<EndpointSummary>> DashboardEndpointsAsync() =>
        await s.ListAsync($"""
            SELECT {Rows.EndpointColumns},
                   (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = x.id AND d.status = 'pending')
            FROM webhook_endpoints x ORDER BY x.seq DESC
            """, Rows.EndpointPending);

    public async ValueTask<SeqPage<WebhookDelivery>> DashboardDeliveriesAsync(DeliveryQuery q)
    {
        var sql = Paging().Compare("x.status", "=", q.Status).Compare("x.endpoint_id", "=", q.EndpointId);
        return SeqPagingSql.Finish(
            await s.ListAsync(sql.Build(SelectDeliveryListed, q.BeforeSeq, q.Limit), SeqPagingSql.WithSeq(Rows.Delivery), [.. sql.Parameters]), q.Limit);
    }

    public async ValueTask<(WebhookDelivery Delivery, string ProjectId)?> DashboardDeliveryGetAsync(string deliveryId)
    {
        var found = await s.ListAsync($"""
            SELECT {Rows.DeliveryColumns}, x.project_id FROM webhook_deliveries x JOIN webhook_events ev ON ev.seq = x.event_seq
            WHERE x.id = @id
            """, Rows.DeliveryOfProject, ("id", deliveryId));
        return found.Count == 0 ? null : found[0];
    }

    public async ValueTask<IReadOnlyList<LeaseHolder>> DashboardLeaseHoldersAsync(long nowMs) =>
        await s.ListAsync($"""
            SELECT owner, SUM(CASE WHEN kind = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 1 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END), MIN(until_ms)
            FROM (SELECT lease_owner AS owner, 0 AS kind, lease_expires_at_ms AS until_ms FROM runs
                  WHERE status IN {HeldStatuses} AND lease_expires_at_ms >= @now AND lease_owner IS NOT NULL
                  UNION ALL
                  SELECT locked_by, 1, locked_until_ms FROM webhook_deliveries
                  WHERE locked_until_ms IS NOT NULL AND locked_until_ms >= @now AND locked_by IS NOT NULL
                  UNION ALL
                  SELECT locked_by, 2, locked_until_ms FROM vector_store_files
                  WHERE status = 'in_progress' AND locked_until_ms >= @now AND locked_by IS NOT NULL) held
            GROUP BY owner ORDER BY owner
            """, Rows.Holder, ("now", nowMs));
}

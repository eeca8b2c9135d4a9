using Threadline.Dashboard;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage.Drivers;
using Threadline.Threads;
using Threadline.Webhooks;
using static Threadline.Storage.SqlValues;

namespace Threadline.Storage.Sqlite;

/// <summary>
/// The operator's reads (<see cref="IDashboardDriver"/>), across every project. Each is served by an
/// index of 0008_dashboard.sql or an older one; the test DashboardDriverTests checks their plans.
/// </summary>
internal sealed class SqliteDashboardDriver(SqliteSession s) : IDashboardDriver
{
    /// <summary>NULLs stand for <c>queue_position</c> and <c>previous_ended_at_ms</c>, which no dashboard read needs.</summary>
    private const string SelectRun = $"SELECT {Rows.RunColumns}, NULL, NULL, x.seq FROM runs x";

    private const string SelectThread = $"SELECT {Rows.ThreadColumns}, x.seq FROM threads x";

    private const string SelectMessage = $"SELECT {Rows.MessageColumns}, x.seq FROM messages x";

    /// <summary>A list shows no payload: an empty one keeps a page of large events small.</summary>
    private static readonly string SelectDeliveryListed =
        $"SELECT {Rows.DeliveryColumns.Replace("ev.payload", "X''", StringComparison.Ordinal)}, x.seq " +
        "FROM webhook_deliveries x JOIN webhook_events ev ON ev.seq = x.event_seq";

    private static SeqPagingSql Paging() => new("$", name => "$" + name);

    public ValueTask<IReadOnlyDictionary<string, long>> DashboardLiveCountsAsync()
    {
        // One short range of ix_runs_status per live status, never the ended runs.
        var counts = Rows.NoLiveRuns();
        foreach (var (status, count) in s.List($"SELECT status, count(*) FROM runs WHERE status IN {Rows.LiveStatuses} GROUP BY status",
                     r => (r.GetString(0), r.GetInt64(1))))
            counts[status] = count;
        return ValueTask.FromResult<IReadOnlyDictionary<string, long>>(counts);
    }

    public ValueTask<Run?> DashboardOldestQueuedAsync() =>
        ValueTask.FromResult(s.Single($"{SelectRun} WHERE x.status = 'queued' ORDER BY x.seq LIMIT 1", Rows.Run));

    public ValueTask<IReadOnlyList<MinuteStats>> DashboardMinutesAsync(long sinceMs) =>
        ValueTask.FromResult<IReadOnlyList<MinuteStats>>(s.List("""
            SELECT ended_at_ms / 60000 * 60000 AS minute,
                   SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status IN ('completed', 'failed') THEN 0 ELSE 1 END),
                   AVG(started_at_ms - created_at_ms), MAX(started_at_ms - created_at_ms),
                   AVG(first_token_at_ms - started_at_ms), MAX(first_token_at_ms - started_at_ms)
            FROM runs WHERE ended_at_ms IS NOT NULL AND ended_at_ms >= $since
            GROUP BY minute ORDER BY minute
            """, Rows.Minute, ("$since", sinceMs)));

    public ValueTask<SeqPage<ConversationThread>> DashboardThreadsAsync(ThreadQuery q)
    {
        var sql = Paging().Compare("x.id", "=", q.Id).Compare("x.external_id", "=", q.ExternalId);
        if (q.MetadataKey is { } key)
            sql.Where($"json_extract(x.metadata, {sql.Parameter(JsonPath(key))}) = {sql.Parameter(q.MetadataValue ?? "")}");
        return ValueTask.FromResult(SeqPagingSql.Finish(
            s.List(sql.Build(SelectThread, q.BeforeSeq, q.Limit), SeqPagingSql.WithSeq(Rows.Thread), [.. sql.Parameters]), q.Limit));
    }

    /// <summary>The JSON path of a top-level key, quoted as ThreadListAsync quotes it.</summary>
    private static string JsonPath(string key) => "$.\"" + key.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    public ValueTask<IReadOnlyList<Run>> DashboardThreadQueueAsync(string threadId)
    {
        // Two reads, each on the index that holds its runs: ux_runs_one_active_per_thread, ix_runs_queued.
        var queue = s.List($"{SelectRun} WHERE x.thread_id = $thread AND x.status IN {ActiveStatuses}", Rows.Run, ("$thread", threadId));
        queue.AddRange(s.List($"{SelectRun} WHERE x.thread_id = $thread AND x.status = 'queued' ORDER BY x.queue_key", Rows.Run, ("$thread", threadId)));
        return ValueTask.FromResult<IReadOnlyList<Run>>(queue);
    }

    public ValueTask<SeqPage<Message>> DashboardMessagesAsync(string threadId, long? beforeSeq, int limit)
    {
        // Position order (what the thread reads as), ties by seq; the cursor is the last message's seq,
        // whose (position, seq) bounds the next page on ix_messages_thread.
        var rows = beforeSeq is { } before
            ? s.List($"""
                {SelectMessage} WHERE x.thread_id = $thread
                  AND (x.position, x.seq) < (SELECT m.position, m.seq FROM messages m WHERE m.seq = $before AND m.thread_id = $thread)
                ORDER BY x.position DESC, x.seq DESC LIMIT $limit
                """, SeqPagingSql.WithSeq(Rows.Message), ("$thread", threadId), ("$before", before), ("$limit", (long)limit + 1))
            : s.List($"{SelectMessage} WHERE x.thread_id = $thread ORDER BY x.position DESC, x.seq DESC LIMIT $limit",
                SeqPagingSql.WithSeq(Rows.Message), ("$thread", threadId), ("$limit", (long)limit + 1));
        return ValueTask.FromResult(SeqPagingSql.Finish(rows, limit));
    }

    public ValueTask<SeqPage<Run>> DashboardRunsAsync(RunQuery q)
    {
        var sql = Paging().Compare("x.status", "=", q.Status).Compare("x.assistant_id", "=", q.AssistantId).Compare("x.model", "=", q.Model)
            .Compare("x.created_at_ms", ">=", q.SinceMs).Compare("x.created_at_ms", "<", q.UntilMs);
        if (q.SinceMs is not null || q.UntilMs is not null)
            sql.OrderedBy("created_at_ms", "runs");
        return ValueTask.FromResult(SeqPagingSql.Finish(
            s.List(sql.Build(SelectRun, q.BeforeSeq, q.Limit), SeqPagingSql.WithSeq(Rows.Run), [.. sql.Parameters]), q.Limit));
    }

    public ValueTask<IReadOnlyList<EndpointSummary>> DashboardEndpointsAsync() =>
        ValueTask.FromResult<IReadOnlyList<EndpointSummary>>(s.List($"""
            SELECT {Rows.EndpointColumns},
                   (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = x.id AND d.status = 'pending')
            FROM webhook_endpoints x ORDER BY x.seq DESC
            """, Rows.EndpointPending));

    public ValueTask<SeqPage<WebhookDelivery>> DashboardDeliveriesAsync(DeliveryQuery q)
    {
        var sql = Paging().Compare("x.status", "=", q.Status).Compare("x.endpoint_id", "=", q.EndpointId);
        return ValueTask.FromResult(SeqPagingSql.Finish(
            s.List(sql.Build(SelectDeliveryListed, q.BeforeSeq, q.Limit), SeqPagingSql.WithSeq(Rows.Delivery), [.. sql.Parameters]), q.Limit));
    }

    public ValueTask<(WebhookDelivery Delivery, string ProjectId)?> DashboardDeliveryGetAsync(string deliveryId)
    {
        var found = s.List($"""
            SELECT {Rows.DeliveryColumns}, x.project_id FROM webhook_deliveries x JOIN webhook_events ev ON ev.seq = x.event_seq
            WHERE x.id = $id
            """, Rows.DeliveryOfProject, ("$id", deliveryId));
        return ValueTask.FromResult<(WebhookDelivery, string)?>(found.Count == 0 ? null : found[0]);
    }

    public ValueTask<IReadOnlyList<LeaseHolder>> DashboardLeaseHoldersAsync(long nowMs) =>
        ValueTask.FromResult<IReadOnlyList<LeaseHolder>>(s.List($"""
            SELECT owner, SUM(CASE WHEN kind = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 1 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END), MIN(until_ms)
            FROM (SELECT lease_owner AS owner, 0 AS kind, lease_expires_at_ms AS until_ms FROM runs
                  WHERE status IN {HeldStatuses} AND lease_expires_at_ms >= $now AND lease_owner IS NOT NULL
                  UNION ALL
                  SELECT locked_by, 1, locked_until_ms FROM webhook_deliveries
                  WHERE locked_until_ms IS NOT NULL AND locked_until_ms >= $now AND locked_by IS NOT NULL
                  UNION ALL
                  SELECT locked_by, 2, locked_until_ms FROM vector_store_files
                  WHERE status = 'in_progress' AND locked_until_ms >= $now AND locked_by IS NOT NULL) held
            GROUP BY owner ORDER BY owner
            """, Rows.Holder, ("$now", nowMs)));
}

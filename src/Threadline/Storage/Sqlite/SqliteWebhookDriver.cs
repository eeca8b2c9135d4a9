using System.Text.Json;
using Threadline.Domain;
using Threadline.Storage.Drivers;
using Threadline.Webhooks;

namespace Threadline.Storage.Sqlite;

internal sealed class SqliteWebhookDriver(SqliteSession s) : IWebhookDriver
{
    private const string SelectEndpoint = $"SELECT {Rows.EndpointColumns} FROM webhook_endpoints x";

    private const string SelectDelivery = $"""
        SELECT {Rows.DeliveryColumns} FROM webhook_deliveries x JOIN webhook_events ev ON ev.seq = x.event_seq
        """;

    /// <summary>Enabled endpoints of <c>$project</c> that want events of <c>$type</c> (an empty list wants all).</summary>
    private const string Listening = """
        FROM webhook_endpoints e
        WHERE e.project_id = $project AND e.enabled = 1
          AND (e.events = '[]' OR EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = $type))
        """;

    /// <summary>The delivery waits for an earlier event of the same thread to the same endpoint (order per thread).</summary>
    private const string NotBehindAnother = """
        NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = d.endpoint_id AND o.status = 'pending'
                    AND o.thread_id IS d.thread_id AND o.event_seq < d.event_seq)
        """;

    /// <summary>Deliveries of the endpoint locked by an attempt under way, in any process.</summary>
    private const string InFlight = """
        (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = d.endpoint_id AND l.status = 'pending' AND l.locked_until_ms > $now)
        """;

    public ValueTask WebhookEndpointInsertAsync(WebhookEndpoint e)
    {
        s.Execute("""
            INSERT INTO webhook_endpoints (id, project_id, created_at, url, description, events, secret, previous_secret,
                                           previous_secret_expires_at_ms, enabled, disabled_reason, metadata, config_name)
            VALUES ($id, $project, $created_at, $url, $description, $events, $secret, $previous_secret,
                    $previous_secret_expires_at_ms, $enabled, $disabled_reason, $metadata, $config_name)
            """, EndpointParams(e));
        return ValueTask.CompletedTask;
    }

    public ValueTask<WebhookEndpoint?> WebhookEndpointGetAsync(string projectId, string endpointId) =>
        ValueTask.FromResult(s.Single($"{SelectEndpoint} WHERE x.id = $id AND x.project_id = $project", r => Rows.Endpoint(r),
            ("$id", endpointId), ("$project", projectId)));

    public ValueTask<bool> WebhookEndpointUpdateAsync(WebhookEndpoint e) =>
        ValueTask.FromResult(s.Execute("""
            UPDATE webhook_endpoints SET url = $url, description = $description, events = $events, secret = $secret,
                previous_secret = $previous_secret, previous_secret_expires_at_ms = $previous_secret_expires_at_ms,
                enabled = $enabled, disabled_reason = $disabled_reason, metadata = $metadata
            WHERE id = $id AND project_id = $project
            """, EndpointParams(e)) > 0);

    public ValueTask<bool> WebhookEndpointDeleteAsync(string projectId, string endpointId)
    {
        var deleted = s.Execute("DELETE FROM webhook_endpoints WHERE id = $id AND project_id = $project", ("$id", endpointId), ("$project", projectId));
        s.Execute("DELETE FROM webhook_deliveries WHERE endpoint_id = $id AND project_id = $project", ("$id", endpointId), ("$project", projectId));
        return ValueTask.FromResult(deleted > 0);
    }

    public ValueTask<Page<WebhookEndpoint>> WebhookEndpointListAsync(string projectId, PageRequest page) =>
        ValueTask.FromResult(SqlitePaging.Page(s, SelectEndpoint, "webhook_endpoints", "x.project_id = $project", "seq",
            [("$project", projectId)], page, r => Rows.Endpoint(r)));

    public ValueTask WebhookEndpointUpsertConfiguredAsync(WebhookEndpoint e)
    {
        var updated = s.Execute("""
            UPDATE webhook_endpoints SET url = $url, events = $events, secret = $secret, description = $description
            WHERE config_name = $config_name AND project_id = $project
            """, EndpointParams(e));
        if (updated == 0)
            s.Execute("""
                INSERT INTO webhook_endpoints (id, project_id, created_at, url, description, events, secret, enabled, metadata, config_name)
                VALUES ($id, $project, $created_at, $url, $description, $events, $secret, 1, $metadata, $config_name)
                """, EndpointParams(e));
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> WebhookEndpointAnyEnabledAsync(string projectId) =>
        ValueTask.FromResult(s.ScalarLong("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE project_id = $project AND enabled = 1)",
            ("$project", projectId)) == 1);

    public ValueTask<bool> WebhookEndpointListensAsync(string projectId, string type) =>
        ValueTask.FromResult(s.ScalarLong($"SELECT EXISTS (SELECT 1 {Listening})", ("$project", projectId), ("$type", type)) == 1);

    public ValueTask<int> WebhookEventInsertAsync(WebhookEventInsert e)
    {
        var seq = s.ScalarLong("""
            INSERT INTO webhook_events (id, project_id, thread_id, type, created_at, payload)
            VALUES ($id, $project, $thread, $type, $created_at, $payload) RETURNING seq
            """, ("$id", e.Id), ("$project", e.ProjectId), ("$thread", e.ThreadId), ("$type", e.Type), ("$created_at", e.CreatedAt), ("$payload", e.Payload));
        return ValueTask.FromResult(s.Execute($"""
            INSERT INTO webhook_deliveries (id, event_seq, event_id, endpoint_id, project_id, thread_id, status, next_attempt_at_ms, created_at_ms)
            SELECT 'whd_' || lower(hex(randomblob(12))), $seq, $id, e.id, e.project_id, $thread, 'pending', $now, $now
            {Listening}
            """, ("$seq", seq), ("$id", e.Id), ("$thread", e.ThreadId), ("$now", e.NowMs), ("$project", e.ProjectId), ("$type", e.Type)));
    }

    public ValueTask<Page<WebhookDelivery>> WebhookDeliveryListAsync(string projectId, string endpointId, PageRequest page) =>
        ValueTask.FromResult(SqlitePaging.Page(s, SelectDelivery, "webhook_deliveries", "x.endpoint_id = $endpoint AND x.project_id = $project", "seq",
            [("$endpoint", endpointId), ("$project", projectId)], page, Rows.Delivery));

    public ValueTask<WebhookDelivery?> WebhookDeliveryReplayAsync(string projectId, string endpointId, string deliveryId, long nowMs)
    {
        s.Execute("""
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at_ms = $now, attempts = 0, locked_by = NULL, locked_until_ms = NULL
            WHERE id = $id AND endpoint_id = $endpoint AND project_id = $project
            """, ("$now", nowMs), ("$id", deliveryId), ("$endpoint", endpointId), ("$project", projectId));
        return ValueTask.FromResult(s.Single($"{SelectDelivery} WHERE x.id = $id AND x.endpoint_id = $endpoint AND x.project_id = $project", Rows.Delivery,
            ("$id", deliveryId), ("$endpoint", endpointId), ("$project", projectId)));
    }

    public ValueTask<IReadOnlyList<ClaimedDelivery>> WebhookDeliveryClaimAsync(DeliveryClaim c)
    {
        var ids = s.List($"""
            UPDATE webhook_deliveries SET locked_by = $owner, locked_until_ms = $now + $lock
            WHERE id IN (
                SELECT id FROM (
                    SELECT d.id, d.event_seq, {InFlight} AS in_flight,
                           ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.event_seq) AS place
                    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled = 1
                    WHERE d.status = 'pending' AND d.next_attempt_at_ms <= $now
                      AND (d.locked_until_ms IS NULL OR d.locked_until_ms <= $now)
                      AND {NotBehindAnother})
                WHERE in_flight + place <= $per_endpoint
                ORDER BY event_seq LIMIT $max)
            RETURNING id
            """, r => r.GetString(0), ("$owner", c.Owner), ("$now", c.NowMs), ("$lock", c.LockMs), ("$per_endpoint", (long)c.PerEndpoint), ("$max", (long)c.Max));
        var claimed = new List<ClaimedDelivery>(ids.Count);
        foreach (var id in ids)
        {
            var found = s.Single($"""
                SELECT {Rows.DeliveryColumns}, {Rows.EndpointColumns.Replace("x.", "ep.", StringComparison.Ordinal)}
                FROM webhook_deliveries x JOIN webhook_events ev ON ev.seq = x.event_seq JOIN webhook_endpoints ep ON ep.id = x.endpoint_id
                WHERE x.id = $id
                """, r => new ClaimedDelivery(Rows.Delivery(r), Rows.Endpoint(r, Rows.DeliveryColumnCount)), ("$id", id));
            if (found is not null)
                claimed.Add(found);
        }
        return ValueTask.FromResult<IReadOnlyList<ClaimedDelivery>>(claimed);
    }

    public ValueTask WebhookDeliveryRecordAsync(DeliveryAttempt a)
    {
        var recorded = s.Execute("""
            UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at_ms = $now,
                last_status_code = $status_code, last_error = $error,
                status = CASE WHEN $succeeded = 1 THEN 'succeeded' WHEN $next IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at_ms = COALESCE($next, next_attempt_at_ms),
                delivered_at_ms = CASE WHEN $succeeded = 1 THEN $now END,
                locked_by = NULL, locked_until_ms = NULL
            WHERE id = $id AND locked_by = $owner
            """, ("$now", a.NowMs), ("$status_code", a.StatusCode is { } code ? (long)code : null), ("$error", a.Error),
            ("$succeeded", a.Succeeded ? 1L : 0L), ("$next", a.NextAttemptAtMs), ("$id", a.DeliveryId), ("$owner", a.Owner));
        if (recorded > 0 && a.DisableEndpoint)
        {
            s.Execute("""
                UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'The receiver answered 410 Gone.'
                WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = $id)
                """, ("$id", a.DeliveryId));
            s.Execute("""
                UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled (410 Gone)', locked_by = NULL, locked_until_ms = NULL
                WHERE status = 'pending' AND endpoint_id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = $id)
                """, ("$id", a.DeliveryId));
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<DeliveryDeadlines> WebhookDeliveryDeadlinesGetAsync(long nowMs, int perEndpoint)
    {
        using var reader = SqliteSession.Bind(s.Command($"""
            SELECT (SELECT MIN(d.next_attempt_at_ms)
                    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled = 1
                    WHERE d.status = 'pending' AND (d.locked_until_ms IS NULL OR d.locked_until_ms <= $now)
                      AND {NotBehindAnother} AND {InFlight} < $per_endpoint),
                   (SELECT MIN(locked_until_ms) FROM webhook_deliveries WHERE status = 'pending' AND locked_until_ms > $now)
            """), [("$now", nowMs), ("$per_endpoint", (long)perEndpoint)]).ExecuteReader();
        reader.Read();
        return ValueTask.FromResult(new DeliveryDeadlines(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)));
    }

    public ValueTask<int> WebhookEventPurgeAsync(long beforeSeconds, int max)
    {
        var seqs = s.List("""
            SELECT seq FROM webhook_events ev
            WHERE ev.created_at < $before
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = ev.seq AND d.status = 'pending')
            ORDER BY seq LIMIT $max
            """, r => r.GetInt64(0), ("$before", beforeSeconds), ("$max", (long)max));
        if (seqs.Count == 0)
            return ValueTask.FromResult(0);
        var list = "[" + string.Join(",", seqs) + "]";
        s.Execute("DELETE FROM webhook_deliveries WHERE event_seq IN (SELECT value FROM json_each($seqs))", ("$seqs", list));
        return ValueTask.FromResult(s.Execute("DELETE FROM webhook_events WHERE seq IN (SELECT value FROM json_each($seqs))", ("$seqs", list)));
    }

    private static (string, object?)[] EndpointParams(WebhookEndpoint e) =>
    [
        ("$id", e.Id), ("$project", e.ProjectId), ("$created_at", e.CreatedAt), ("$url", e.Url), ("$description", e.Description),
        ("$events", JsonSerializer.Serialize(e.Events, WireEscaping.Context.IReadOnlyListString)), ("$secret", e.Secret),
        ("$previous_secret", e.PreviousSecret), ("$previous_secret_expires_at_ms", e.PreviousSecretExpiresAtMs), ("$enabled", e.Enabled ? 1L : 0L),
        ("$disabled_reason", e.DisabledReason), ("$metadata", e.Metadata.Text), ("$config_name", e.ConfigName),
    ];
}

using System.Text.Json;
using Threadline.Domain;
using Threadline.Storage.Drivers;
using Threadline.Webhooks;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresWebhookDriver(PostgresSession s) : IWebhookDriver
{
    /// <summary>
    /// Claims take this transaction-scoped advisory lock, so that two nodes never count an endpoint's
    /// attempts in flight at the same time (a claim's bound is per endpoint, across every node).
    /// </summary>
    private const long DeliveryClaimLock = 0x7468_7264_6c6e_0001; // "thrdln" 1

    private const string SelectEndpoint = $"SELECT {Rows.EndpointColumns} FROM webhook_endpoints x";

    private const string SelectDelivery = $"""
        SELECT {Rows.DeliveryColumns} FROM webhook_deliveries x JOIN webhook_events ev ON ev.seq = x.event_seq
        """;

    /// <summary>Enabled endpoints of <c>@project</c> that want events of <c>@type</c> (an empty list wants all).</summary>
    private const string Listening = """
        FROM webhook_endpoints e
        WHERE e.project_id = @project AND e.enabled = 1 AND (e.events = '[]' OR e.events::jsonb ? @type)
        """;

    /// <summary>The delivery waits for an earlier event of the same thread to the same endpoint (order per thread).</summary>
    private const string NotBehindAnother = """
        NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = d.endpoint_id AND o.status = 'pending'
                    AND o.thread_id IS NOT DISTINCT FROM d.thread_id AND o.event_seq < d.event_seq)
        """;

    /// <summary>Deliveries of the endpoint locked by an attempt under way, on any node.</summary>
    private const string InFlight = """
        (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = d.endpoint_id AND l.status = 'pending' AND l.locked_until_ms > @now)
        """;

    public async ValueTask WebhookEndpointInsertAsync(WebhookEndpoint e) =>
        await s.ExecuteAsync("""
            INSERT INTO webhook_endpoints (id, project_id, created_at, url, description, events, secret, previous_secret,
                                           previous_secret_expires_at_ms, enabled, disabled_reason, metadata, config_name)
            VALUES (@id, @project, @created_at, @url, @description, @events, @secret, @previous_secret,
                    @previous_secret_expires_at_ms, @enabled, @disabled_reason, @metadata, @config_name)
            """, EndpointParams(e));

    public ValueTask<WebhookEndpoint?> WebhookEndpointGetAsync(string projectId, string endpointId) =>
        s.SingleAsync($"{SelectEndpoint} WHERE x.id = @id AND x.project_id = @project", r => Rows.Endpoint(r),
            ("id", endpointId), ("project", projectId));

    public async ValueTask<bool> WebhookEndpointUpdateAsync(WebhookEndpoint e) =>
        await s.ExecuteAsync("""
            UPDATE webhook_endpoints SET url = @url, description = @description, events = @events, secret = @secret,
                previous_secret = @previous_secret, previous_secret_expires_at_ms = @previous_secret_expires_at_ms,
                enabled = @enabled, disabled_reason = @disabled_reason, metadata = @metadata
            WHERE id = @id AND project_id = @project
            """, EndpointParams(e)) > 0;

    public async ValueTask<bool> WebhookEndpointDeleteAsync(string projectId, string endpointId)
    {
        var deleted = await s.ExecuteAsync("DELETE FROM webhook_endpoints WHERE id = @id AND project_id = @project", ("id", endpointId), ("project", projectId));
        await s.ExecuteAsync("DELETE FROM webhook_deliveries WHERE endpoint_id = @id AND project_id = @project", ("id", endpointId), ("project", projectId));
        return deleted > 0;
    }

    public ValueTask<Page<WebhookEndpoint>> WebhookEndpointListAsync(string projectId, PageRequest page) =>
        PostgresPaging.PageAsync(s, SelectEndpoint, "webhook_endpoints", "x.project_id = @project", "seq",
            [("project", projectId)], page, r => Rows.Endpoint(r));

    public async ValueTask WebhookEndpointUpsertConfiguredAsync(WebhookEndpoint e) =>
        // Several nodes start with the same configuration: one row per configured name.
        await s.ExecuteAsync("""
            INSERT INTO webhook_endpoints (id, project_id, created_at, url, description, events, secret, enabled, metadata, config_name)
            VALUES (@id, @project, @created_at, @url, @description, @events, @secret, 1, @metadata, @config_name)
            ON CONFLICT (project_id, config_name) WHERE config_name IS NOT NULL DO UPDATE SET
                url = excluded.url, events = excluded.events, secret = excluded.secret, description = excluded.description
            """, EndpointParams(e));

    public async ValueTask<bool> WebhookEndpointAnyEnabledAsync(string projectId) =>
        await s.ScalarAsync("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE project_id = @project AND enabled = 1)",
            ("project", projectId)) is true;

    public async ValueTask<bool> WebhookEndpointListensAsync(string projectId, string type) =>
        await s.ScalarAsync($"SELECT EXISTS (SELECT 1 {Listening})", ("project", projectId), ("type", type)) is true;

    public async ValueTask<int> WebhookEventInsertAsync(WebhookEventInsert e)
    {
        var seq = await s.ScalarLongAsync("""
            INSERT INTO webhook_events (id, project_id, thread_id, type, created_at, payload)
            VALUES (@id, @project, @thread, @type, @created_at, @payload) RETURNING seq
            """, ("id", e.Id), ("project", e.ProjectId), ("thread", e.ThreadId), ("type", e.Type), ("created_at", e.CreatedAt), ("payload", e.Payload));
        return await s.ExecuteAsync($"""
            INSERT INTO webhook_deliveries (id, event_seq, event_id, endpoint_id, project_id, thread_id, status, next_attempt_at_ms, created_at_ms)
            SELECT 'whd_' || left(replace(gen_random_uuid()::text, '-', ''), 24), @seq, @id, e.id, e.project_id, @thread::text, 'pending', @now, @now
            {Listening}
            """, ("seq", seq), ("id", e.Id), ("thread", e.ThreadId), ("now", e.NowMs), ("project", e.ProjectId), ("type", e.Type));
    }

    public ValueTask<Page<WebhookDelivery>> WebhookDeliveryListAsync(string projectId, string endpointId, PageRequest page) =>
        PostgresPaging.PageAsync(s, SelectDelivery, "webhook_deliveries", "x.endpoint_id = @endpoint AND x.project_id = @project", "seq",
            [("endpoint", endpointId), ("project", projectId)], page, Rows.Delivery);

    public async ValueTask<WebhookDelivery?> WebhookDeliveryReplayAsync(string projectId, string endpointId, string deliveryId, long nowMs)
    {
        await s.ExecuteAsync("""
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at_ms = @now, attempts = 0, locked_by = NULL, locked_until_ms = NULL
            WHERE id = @id AND endpoint_id = @endpoint AND project_id = @project
            """, ("now", nowMs), ("id", deliveryId), ("endpoint", endpointId), ("project", projectId));
        return await s.SingleAsync($"{SelectDelivery} WHERE x.id = @id AND x.endpoint_id = @endpoint AND x.project_id = @project", Rows.Delivery,
            ("id", deliveryId), ("endpoint", endpointId), ("project", projectId));
    }

    public async ValueTask<IReadOnlyList<ClaimedDelivery>> WebhookDeliveryClaimAsync(DeliveryClaim c)
    {
        await s.ExecuteAsync("SELECT pg_advisory_xact_lock(@lock)", ("lock", DeliveryClaimLock));
        return await s.ListAsync($"""
            WITH claimed AS (
                UPDATE webhook_deliveries SET locked_by = @owner, locked_until_ms = @now + @lock
                WHERE id IN (
                    SELECT id FROM (
                        SELECT d.id, d.event_seq, {InFlight} AS in_flight,
                               ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.event_seq) AS place
                        FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled = 1
                        WHERE d.status = 'pending' AND d.next_attempt_at_ms <= @now
                          AND (d.locked_until_ms IS NULL OR d.locked_until_ms <= @now)
                          AND {NotBehindAnother}) due
                    WHERE in_flight + place <= @per_endpoint
                    ORDER BY event_seq LIMIT @max)
                RETURNING *)
            SELECT {Rows.DeliveryColumns}, {Rows.EndpointColumns.Replace("x.", "ep.", StringComparison.Ordinal)}
            FROM claimed x JOIN webhook_events ev ON ev.seq = x.event_seq JOIN webhook_endpoints ep ON ep.id = x.endpoint_id
            ORDER BY x.event_seq
            """, r => new ClaimedDelivery(Rows.Delivery(r), Rows.Endpoint(r, Rows.DeliveryColumnCount)),
            ("owner", c.Owner), ("now", c.NowMs), ("lock", c.LockMs), ("per_endpoint", (long)c.PerEndpoint), ("max", (long)c.Max));
    }

    public async ValueTask WebhookDeliveryRecordAsync(DeliveryAttempt a)
    {
        var recorded = await s.ExecuteAsync("""
            UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at_ms = @now,
                last_status_code = @status_code, last_error = @error,
                status = CASE WHEN @succeeded THEN 'succeeded' WHEN @next::bigint IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at_ms = COALESCE(@next, next_attempt_at_ms),
                delivered_at_ms = CASE WHEN @succeeded THEN @now END,
                locked_by = NULL, locked_until_ms = NULL
            WHERE id = @id AND locked_by = @owner
            """, ("now", a.NowMs), ("status_code", a.StatusCode is { } code ? (long)code : null), ("error", a.Error),
            ("succeeded", a.Succeeded), ("next", a.NextAttemptAtMs), ("id", a.DeliveryId), ("owner", a.Owner));
        if (recorded > 0 && a.DisableEndpoint)
        {
            await s.ExecuteAsync("""
                UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'The receiver answered 410 Gone.'
                WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = @id)
                """, ("id", a.DeliveryId));
            await s.ExecuteAsync("""
                UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled (410 Gone)', locked_by = NULL, locked_until_ms = NULL
                WHERE status = 'pending' AND endpoint_id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = @id)
                """, ("id", a.DeliveryId));
        }
    }

    public async ValueTask<DeliveryDeadlines> WebhookDeliveryDeadlinesGetAsync(long nowMs, int perEndpoint) =>
        (await s.SingleAsync($"""
            SELECT (SELECT MIN(d.next_attempt_at_ms)
                    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled = 1
                    WHERE d.status = 'pending' AND (d.locked_until_ms IS NULL OR d.locked_until_ms <= @now)
                      AND {NotBehindAnother} AND {InFlight} < @per_endpoint),
                   (SELECT MIN(locked_until_ms) FROM webhook_deliveries WHERE status = 'pending' AND locked_until_ms > @now)
            """, r => new DeliveryDeadlines(r.IsDBNull(0) ? null : r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt64(1)),
            ("now", nowMs), ("per_endpoint", (long)perEndpoint)))!;

    public async ValueTask<int> WebhookEventPurgeAsync(long beforeSeconds, int max)
    {
        var seqs = (await s.ListAsync("""
            SELECT seq FROM webhook_events ev
            WHERE ev.created_at < @before
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = ev.seq AND d.status = 'pending')
            ORDER BY seq LIMIT @max
            """, r => r.GetInt64(0), ("before", beforeSeconds), ("max", (long)max))).ToArray();
        if (seqs.Length == 0)
            return 0;
        await s.ExecuteAsync("DELETE FROM webhook_deliveries WHERE event_seq = ANY(@seqs)", ("seqs", seqs));
        return await s.ExecuteAsync("DELETE FROM webhook_events WHERE seq = ANY(@seqs)", ("seqs", seqs));
    }

    private static (string, object?)[] EndpointParams(WebhookEndpoint e) =>
    [
        ("id", e.Id), ("project", e.ProjectId), ("created_at", e.CreatedAt), ("url", e.Url), ("description", e.Description),
        ("events", JsonSerializer.Serialize(e.Events, WireEscaping.Context.IReadOnlyListString)), ("secret", e.Secret),
        ("previous_secret", e.PreviousSecret), ("previous_secret_expires_at_ms", e.PreviousSecretExpiresAtMs), ("enabled", e.Enabled ? 1L : 0L),
        ("disabled_reason", e.DisabledReason), ("metadata", e.Metadata.Text), ("config_name", e.ConfigName),
    ];
}

using System.Data;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Webhooks;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    private const string SelectEndpoint = "SELECT x.* FROM webhook_endpoints x";

    private const string SelectDelivery = """
        SELECT x.*, ev.type AS event_type, ev.payload AS payload
        FROM webhook_deliveries x JOIN webhook_events ev ON ev.seq = x.event_seq
        """;

    public Task WebhookEndpointInsertAsync(WebhookEndpoint e, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("""
            INSERT INTO webhook_endpoints (id, project_id, created_at, url, description, events, secret, previous_secret,
                                           previous_secret_expires_at_ms, enabled, disabled_reason, metadata, config_name)
            VALUES (@Id, @ProjectId, @CreatedAt, @Url, @Description, @Events, @Secret, @PreviousSecret,
                    @PreviousSecretExpiresAtMs, @Enabled, @DisabledReason, @Metadata, @ConfigName)
            """, EndpointParams(e), tx), ct);

    public Task<WebhookEndpoint?> WebhookEndpointGetAsync(string projectId, string endpointId, CancellationToken ct) =>
        db.ReadAsync(c => SingleAsync(c, $"{SelectEndpoint} WHERE x.id = @endpointId AND x.project_id = @projectId",
            new { projectId, endpointId }, WebhookRows.Endpoint), ct);

    public async Task<bool> WebhookEndpointUpdateAsync(WebhookEndpoint e, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync("""
            UPDATE webhook_endpoints SET url = @Url, description = @Description, events = @Events, secret = @Secret,
                previous_secret = @PreviousSecret, previous_secret_expires_at_ms = @PreviousSecretExpiresAtMs,
                enabled = @Enabled, disabled_reason = @DisabledReason, metadata = @Metadata
            WHERE id = @Id AND project_id = @ProjectId
            """, EndpointParams(e), tx), ct) > 0;

    public async Task<bool> WebhookEndpointDeleteAsync(string projectId, string endpointId, CancellationToken ct) =>
        await db.WriteAsync(async (c, tx) =>
        {
            var deleted = await c.ExecuteAsync("DELETE FROM webhook_endpoints WHERE id = @endpointId AND project_id = @projectId", new { projectId, endpointId }, tx);
            await c.ExecuteAsync("DELETE FROM webhook_deliveries WHERE endpoint_id = @endpointId AND project_id = @projectId", new { projectId, endpointId }, tx);
            return deleted > 0;
        }, ct);

    public Task<Page<WebhookEndpoint>> WebhookEndpointListAsync(string projectId, PageRequest page, CancellationToken ct) =>
        db.ReadAsync(c => PageAsync(c, SelectEndpoint, "webhook_endpoints", "x.project_id = @projectId", "seq",
            new DynamicParameters(new { projectId }), page, WebhookRows.Endpoint), ct);

    /// <summary>An endpoint declared in configuration: made once, then kept in step with the configuration at each start.</summary>
    public Task WebhookEndpointUpsertConfiguredAsync(WebhookEndpoint e, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var updated = await c.ExecuteAsync("""
                UPDATE webhook_endpoints SET url = @Url, events = @Events, secret = @Secret, description = @Description
                WHERE config_name = @ConfigName AND project_id = @ProjectId
                """, EndpointParams(e), tx);
            if (updated == 0)
                await c.ExecuteAsync("""
                    INSERT INTO webhook_endpoints (id, project_id, created_at, url, description, events, secret, enabled, metadata, config_name)
                    VALUES (@Id, @ProjectId, @CreatedAt, @Url, @Description, @Events, @Secret, 1, @Metadata, @ConfigName)
                    """, EndpointParams(e), tx);
            return 0;
        }, ct);

    public Task<Page<WebhookDelivery>> WebhookDeliveryListAsync(string projectId, string endpointId, PageRequest page, CancellationToken ct) =>
        db.ReadAsync(c => PageAsync(c, SelectDelivery, "webhook_deliveries", "x.endpoint_id = @endpointId AND x.project_id = @projectId", "seq",
            new DynamicParameters(new { projectId, endpointId }), page, WebhookRows.Delivery), ct);

    /// <summary>Sends a delivery again, with the same event id, as soon as the dispatcher can.</summary>
    public Task<WebhookDelivery?> WebhookDeliveryReplayAsync(string projectId, string endpointId, string deliveryId, long nowMs, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("""
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at_ms = @nowMs, attempts = 0, locked_by = NULL, locked_until_ms = NULL
                WHERE id = @deliveryId AND endpoint_id = @endpointId AND project_id = @projectId
                """, new { projectId, endpointId, deliveryId, nowMs }, tx);
            return await SingleAsync(c, $"{SelectDelivery} WHERE x.id = @deliveryId AND x.endpoint_id = @endpointId AND x.project_id = @projectId",
                new { projectId, endpointId, deliveryId }, WebhookRows.Delivery, tx);
        }, ct);

    public Task<IReadOnlyList<ClaimedDelivery>> WebhookDeliveryClaimAsync(DeliveryClaim claim, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<ClaimedDelivery>>(async (c, tx) =>
        {
            var ids = (await c.QueryAsync<string>("""
                UPDATE webhook_deliveries SET locked_by = @Owner, locked_until_ms = @NowMs + @LockMs
                WHERE id IN (
                    SELECT d.id FROM webhook_deliveries d
                    JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled = 1
                    WHERE d.status = 'pending' AND d.next_attempt_at_ms <= @NowMs
                      AND (d.locked_until_ms IS NULL OR d.locked_until_ms < @NowMs)
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                                      WHERE o.endpoint_id = d.endpoint_id AND o.status = 'pending'
                                        AND o.thread_id IS d.thread_id AND o.event_seq < d.event_seq)
                    ORDER BY d.event_seq LIMIT @Max)
                RETURNING id
                """, claim, tx)).ToList();
            var claimed = new List<ClaimedDelivery>();
            foreach (var id in ids)
            {
                var delivery = await SingleAsync(c, $"{SelectDelivery} WHERE x.id = @id", new { id }, WebhookRows.Delivery, tx);
                var endpoint = await SingleAsync(c, $"{SelectEndpoint} WHERE x.id = @EndpointId", new { delivery!.EndpointId }, WebhookRows.Endpoint, tx);
                claimed.Add(new ClaimedDelivery(delivery, endpoint!));
            }
            return claimed;
        }, ct);

    public Task WebhookDeliveryRecordAsync(DeliveryAttempt a, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("""
                UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at_ms = @NowMs,
                    last_status_code = @StatusCode, last_error = @Error,
                    status = CASE WHEN @Succeeded THEN 'succeeded' WHEN @NextAttemptAtMs IS NULL THEN 'failed' ELSE 'pending' END,
                    next_attempt_at_ms = COALESCE(@NextAttemptAtMs, next_attempt_at_ms),
                    delivered_at_ms = CASE WHEN @Succeeded THEN @NowMs END,
                    locked_by = NULL, locked_until_ms = NULL
                WHERE id = @DeliveryId AND locked_by = @Owner
                """, a, tx);
            if (a.DisableEndpoint)
            {
                await c.ExecuteAsync("""
                    UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'The receiver answered 410 Gone.'
                    WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = @DeliveryId);
                    UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled (410 Gone)', locked_by = NULL, locked_until_ms = NULL
                    WHERE status = 'pending' AND endpoint_id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = @DeliveryId);
                    """, a, tx);
            }
            return 0;
        }, ct);

    public Task<long?> WebhookDeliveryNextDueAsync(CancellationToken ct) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<long?>(
            "SELECT MIN(d.next_attempt_at_ms) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled = 1 WHERE d.status = 'pending'"), ct);

    /// <summary>
    /// The outbox: records the events of a run that just settled, in the caller's transaction, with a
    /// delivery for every enabled endpoint of the project that wants them. Nothing is recorded when no
    /// endpoint listens.
    /// </summary>
    private async Task RunEventsEnqueueAsync(SqliteConnection c, IDbTransaction tx, Run run, Message? completedReply, long nowMs)
    {
        if (completedReply is { Status: MessageStatus.Completed })
            await EventEnqueueAsync(c, tx, run.ProjectId, run.ThreadId, WebhookEventTypes.MessageCompleted, nowMs,
                (id, at) => payloads.Message(id, at, completedReply));
        var type = WebhookEventTypes.ForRunStatus(run.Status);
        if (!WebhookEventTypes.All.Contains(type))
            return;
        await EventEnqueueAsync(c, tx, run.ProjectId, run.ThreadId, type, nowMs, async (id, at) =>
        {
            var messages = await ListAsync(c, $"{SelectMessage} WHERE x.run_id = @Id ORDER BY x.position, x.seq", new { run.Id }, Rows.Message, tx);
            return payloads.Run(id, type, at, run, messages);
        });
    }

    private Task EventEnqueueAsync(SqliteConnection c, IDbTransaction tx, string projectId, string? threadId, string type, long nowMs, Func<string, long, byte[]> payload) =>
        EventEnqueueAsync(c, tx, projectId, threadId, type, nowMs, (id, at) => Task.FromResult(payload(id, at)));

    private static async Task EventEnqueueAsync(SqliteConnection c, IDbTransaction tx, string projectId, string? threadId, string type, long nowMs,
        Func<string, long, Task<byte[]>> payload)
    {
        const string Listening = """
            FROM webhook_endpoints e
            WHERE e.project_id = @projectId AND e.enabled = 1
              AND (e.events = '[]' OR EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = @type))
            """;
        if (await c.ExecuteScalarAsync<long>($"SELECT count(*) {Listening}", new { projectId, type }, tx) == 0)
            return;
        var id = Ids.New("evt");
        var at = nowMs / 1000;
        var seq = await c.ExecuteScalarAsync<long>("""
            INSERT INTO webhook_events (id, project_id, thread_id, type, created_at, payload)
            VALUES (@id, @projectId, @threadId, @type, @at, @body) RETURNING seq
            """, new { id, projectId, threadId, type, at, body = await payload(id, at) }, tx);
        await c.ExecuteAsync($"""
            INSERT INTO webhook_deliveries (id, event_seq, event_id, endpoint_id, project_id, thread_id, status, next_attempt_at_ms, created_at_ms)
            SELECT 'whd_' || lower(hex(randomblob(12))), @seq, @id, e.id, e.project_id, @threadId, 'pending', @nowMs, @nowMs
            {Listening}
            """, new { seq, id, projectId, threadId, type, nowMs }, tx);
    }

    private static object EndpointParams(WebhookEndpoint e) => new
    {
        e.Id, e.ProjectId, e.CreatedAt, e.Url, e.Description, Events = JsonSerializer.Serialize(e.Events), e.Secret,
        e.PreviousSecret, e.PreviousSecretExpiresAtMs, e.Enabled, e.DisabledReason, Metadata = JsonColumns.Write(e.Metadata), e.ConfigName,
    };
}

using System.Text.Json;
using Threadline.Domain;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Postgres;

/// <summary>Claims and completions are single upserts: PostgreSQL serializes two nodes' upserts of one key on its primary key.</summary>
internal sealed class PostgresIdempotencyDriver(PostgresSession s) : IIdempotencyDriver
{
    public ValueTask<IdempotencyRecord?> IdempotencyGetAsync(string projectId, string operation, string key) =>
        s.SingleAsync("""
            SELECT request_hash, state, locked_until_ms, expires_at_ms, response_status, response_headers, response_body
            FROM idempotency_keys WHERE project_id = @project AND operation = @operation AND key = @key
            """, r => new IdempotencyRecord(
                r.GetString(0), r.GetString(1) == "done", r.IsDBNull(2) ? null : r.GetInt64(2), r.GetInt64(3),
                r.IsDBNull(4) ? null : new RecordedResponse((int)r.GetInt64(4),
                    JsonSerializer.Deserialize(r.IsDBNull(5) ? "{}" : r.GetString(5), WireEscaping.Context.DictionaryStringString) ?? [],
                    r.IsDBNull(6) ? [] : (byte[])r.GetValue(6))),
            ("project", projectId), ("operation", operation), ("key", key));

    public async ValueTask<bool> IdempotencyClaimAsync(IdempotencyClaim c) =>
        await s.ExecuteAsync("""
            INSERT INTO idempotency_keys (project_id, operation, key, request_hash, state, locked_until_ms, created_at_ms, expires_at_ms, owner, token)
            VALUES (@project, @operation, @key, @hash, 'in_flight', @now + @lock, @now, @now + @retention, @owner, @token)
            ON CONFLICT (project_id, operation, key) DO UPDATE SET
                request_hash = excluded.request_hash, state = 'in_flight', locked_until_ms = excluded.locked_until_ms,
                created_at_ms = excluded.created_at_ms, expires_at_ms = excluded.expires_at_ms, owner = excluded.owner,
                token = excluded.token, response_status = NULL, response_headers = NULL, response_body = NULL
            WHERE idempotency_keys.expires_at_ms <= @now
            """, ("project", c.ProjectId), ("operation", c.Operation), ("key", c.Key), ("hash", c.RequestHash), ("now", c.NowMs),
            ("lock", c.LockMs), ("retention", c.RetentionMs), ("owner", c.Owner), ("token", c.Token)) == 1;

    public async ValueTask IdempotencyCompleteAsync(IdempotencyComplete c) =>
        await s.ExecuteAsync("""
            INSERT INTO idempotency_keys (project_id, operation, key, request_hash, state, locked_until_ms, created_at_ms, expires_at_ms,
                                          owner, token, response_status, response_headers, response_body)
            VALUES (@project, @operation, @key, @hash, 'done', NULL, @now, @now + @retention, NULL, @token, @status, @headers, @body)
            ON CONFLICT (project_id, operation, key) DO UPDATE SET
                state = 'done', locked_until_ms = NULL, owner = NULL, response_status = excluded.response_status,
                response_headers = excluded.response_headers, response_body = excluded.response_body,
                -- Over an expired record the record is this request's own, as if the old one had been purged.
                request_hash = CASE WHEN idempotency_keys.expires_at_ms <= @now THEN excluded.request_hash ELSE idempotency_keys.request_hash END,
                created_at_ms = CASE WHEN idempotency_keys.expires_at_ms <= @now THEN excluded.created_at_ms ELSE idempotency_keys.created_at_ms END,
                expires_at_ms = CASE WHEN idempotency_keys.expires_at_ms <= @now THEN excluded.expires_at_ms ELSE idempotency_keys.expires_at_ms END,
                token = excluded.token
            WHERE idempotency_keys.token = @token OR idempotency_keys.expires_at_ms <= @now
            """, ("project", c.ProjectId), ("operation", c.Operation), ("key", c.Key), ("hash", c.RequestHash), ("now", c.NowMs),
            ("retention", c.RetentionMs), ("token", c.Token), ("status", (long)c.Response.Status),
            ("headers", JsonSerializer.Serialize(c.Response.Headers, WireEscaping.Context.IReadOnlyDictionaryStringString)), ("body", c.Response.Body));

    public ValueTask<int> IdempotencyRenewAsync(string owner, long nowMs, long lockMs) =>
        s.ExecuteAsync("UPDATE idempotency_keys SET locked_until_ms = @now + @lock WHERE owner = @owner AND state = 'in_flight'",
            ("now", nowMs), ("lock", lockMs), ("owner", owner));

    public ValueTask<int> IdempotencyPurgeAsync(long nowMs) =>
        s.ExecuteAsync("DELETE FROM idempotency_keys WHERE expires_at_ms <= @now", ("now", nowMs));
}

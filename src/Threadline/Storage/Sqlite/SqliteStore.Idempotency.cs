using System.Text.Json;
using Dapper;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    public Task<IdempotencyBeginResult> IdempotencyBeginAsync(IdempotencyBegin b, CancellationToken ct) =>
        db.WriteAsync<IdempotencyBeginResult>(async (c, tx) =>
        {
            var row = await c.QuerySingleOrDefaultAsync<KeyRow>("""
                SELECT request_hash AS RequestHash, state AS State, locked_until_ms AS LockedUntilMs, expires_at_ms AS ExpiresAtMs,
                       response_status AS ResponseStatus, response_headers AS ResponseHeaders, response_body AS ResponseBody
                FROM idempotency_keys WHERE project_id = @ProjectId AND operation = @Operation AND key = @Key
                """, b, tx);
            if (row is not null && row.ExpiresAtMs > b.NowMs)
            {
                if (row.RequestHash != b.RequestHash)
                    return new(IdempotencyOutcome.Mismatch);
                if (row.State == "done")
                    return new(IdempotencyOutcome.Replay, new RecordedResponse((int)row.ResponseStatus!.Value,
                        JsonSerializer.Deserialize<Dictionary<string, string>>(row.ResponseHeaders ?? "{}") ?? [], row.ResponseBody ?? []));
                if (row.LockedUntilMs > b.NowMs)
                    return new(IdempotencyOutcome.InFlight);
            }
            // New, expired, or abandoned by a process that died mid-request: this request takes it.
            await c.ExecuteAsync("""
                INSERT OR REPLACE INTO idempotency_keys (project_id, operation, key, request_hash, state, locked_until_ms,
                                                         created_at_ms, expires_at_ms)
                VALUES (@ProjectId, @Operation, @Key, @RequestHash, 'in_flight', @NowMs + @LockMs, @NowMs, @NowMs + @RetentionMs)
                """, b, tx);
            return new(IdempotencyOutcome.Started);
        }, ct);

    public Task IdempotencyCompleteAsync(IdempotencyComplete done, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("""
            UPDATE idempotency_keys SET state = 'done', locked_until_ms = NULL, response_status = @Status,
                response_headers = @Headers, response_body = @Body
            WHERE project_id = @ProjectId AND operation = @Operation AND key = @Key
            """, new
        {
            done.ProjectId, done.Operation, done.Key, done.Response.Status,
            Headers = JsonSerializer.Serialize(done.Response.Headers), done.Response.Body,
        }, tx), ct);

    public Task IdempotencyReleaseAsync(string projectId, string operation, string key, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE project_id = @projectId AND operation = @operation AND key = @key AND state = 'in_flight'",
            new { projectId, operation, key }, tx), ct);

    public Task<int> IdempotencyPurgeAsync(long nowMs, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("DELETE FROM idempotency_keys WHERE expires_at_ms <= @nowMs", new { nowMs }, tx), ct);

    private sealed class KeyRow
    {
        public string RequestHash { get; init; } = "";
        public string State { get; init; } = "";
        public long? LockedUntilMs { get; init; }
        public long ExpiresAtMs { get; init; }
        public long? ResponseStatus { get; init; }
        public string? ResponseHeaders { get; init; }
        public byte[]? ResponseBody { get; init; }
    }
}

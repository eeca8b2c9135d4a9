using Microsoft.Data.Sqlite;

namespace Threadline.Bench.Infrastructure;

/// <summary>Writes <see cref="LargeStore"/>'s rows into a server's SQLite file (made by the server, which is stopped) in one transaction.</summary>
internal static class SqliteSeed
{
    /// <summary>Threads, their messages and the idempotency records of the first <paramref name="keys"/> threads' creates; returns the thread ids.</summary>
    public static async Task<string[]> WriteAsync(string path, int threads, int messages, int keys, CancellationToken ct)
    {
        var seeded = LargeStore.Threads(threads, messages);
        await using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        await c.OpenAsync(ct);
        await using (var pragma = c.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;";
            await pragma.ExecuteNonQueryAsync(ct);
        }
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct);
        await using var thread = c.CreateCommand();
        thread.Transaction = tx;
        thread.CommandText = "INSERT INTO threads (id, project_id, created_at, external_id, tool_resources, metadata, last_position) VALUES ($id, $project, $at, NULL, NULL, $metadata, $last)";
        var tId = thread.Parameters.Add("$id", SqliteType.Text);
        var tAt = thread.Parameters.Add("$at", SqliteType.Integer);
        var tLast = thread.Parameters.Add("$last", SqliteType.Integer);
        thread.Parameters.AddWithValue("$project", LargeStore.Project);
        thread.Parameters.AddWithValue("$metadata", LargeStore.Metadata);
        await using var message = c.CreateCommand();
        message.Transaction = tx;
        message.CommandText = """
            INSERT INTO messages (id, project_id, thread_id, position, created_at, status, incomplete_reason, completed_at, incomplete_at,
                                  role, content, assistant_id, run_id, attachments, metadata)
            VALUES ($id, $project, $thread, $position, $at, 'completed', NULL, $completed, NULL, $role, $content, $assistant, NULL, $attachments, $metadata)
            """;
        var mId = message.Parameters.Add("$id", SqliteType.Text);
        var mThread = message.Parameters.Add("$thread", SqliteType.Text);
        var mPosition = message.Parameters.Add("$position", SqliteType.Integer);
        var mAt = message.Parameters.Add("$at", SqliteType.Integer);
        var mCompleted = message.Parameters.Add("$completed", SqliteType.Integer);
        var mRole = message.Parameters.Add("$role", SqliteType.Text);
        var mContent = message.Parameters.Add("$content", SqliteType.Text);
        var mAssistant = message.Parameters.Add("$assistant", SqliteType.Text);
        message.Parameters.AddWithValue("$project", LargeStore.Project);
        message.Parameters.AddWithValue("$attachments", LargeStore.Attachments);
        message.Parameters.AddWithValue("$metadata", LargeStore.Metadata);
        await using var key = c.CreateCommand();
        key.Transaction = tx;
        key.CommandText = """
            INSERT INTO idempotency_keys (project_id, operation, key, request_hash, state, locked_until_ms, response_status, response_headers,
                                          response_body, created_at_ms, expires_at_ms, owner, token)
            VALUES ($project, $operation, $key, $hash, 'done', NULL, 200, $headers, $body, $at, $expires, NULL, $token)
            """;
        var kKey = key.Parameters.Add("$key", SqliteType.Text);
        var kToken = key.Parameters.Add("$token", SqliteType.Text);
        var kAt = key.Parameters.Add("$at", SqliteType.Integer);
        var kExpires = key.Parameters.Add("$expires", SqliteType.Integer);
        var kBody = key.Parameters.Add("$body", SqliteType.Blob);
        key.Parameters.AddWithValue("$project", LargeStore.Project);
        key.Parameters.AddWithValue("$operation", LargeStore.KeyOperation);
        key.Parameters.AddWithValue("$hash", LargeStore.KeyRequestHash);
        key.Parameters.AddWithValue("$headers", LargeStore.KeyResponseHeaders);
        thread.Prepare();
        message.Prepare();
        key.Prepare();

        foreach (var t in seeded)
        {
            tId.Value = t.Id;
            tAt.Value = t.CreatedAt;
            tLast.Value = t.Messages;
            await thread.ExecuteNonQueryAsync(ct);
            foreach (var m in LargeStore.MessagesOf(t))
            {
                mId.Value = m.Id;
                mThread.Value = m.ThreadId;
                mPosition.Value = m.Position;
                mAt.Value = m.CreatedAt;
                mCompleted.Value = m.CompletedAt is { } completed ? completed : DBNull.Value;
                mRole.Value = m.Role;
                mContent.Value = m.Content;
                mAssistant.Value = (object?)m.AssistantId ?? DBNull.Value;
                await message.ExecuteNonQueryAsync(ct);
            }
        }
        foreach (var k in LargeStore.KeysOf(seeded, keys, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
        {
            kKey.Value = k.Key;
            kToken.Value = k.Token;
            kAt.Value = k.CreatedAtMs;
            kExpires.Value = k.ExpiresAtMs;
            kBody.Value = k.ResponseBody;
            await key.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        await using (var checkpoint = c.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
        return seeded.Select(t => t.Id).ToArray();
    }
}

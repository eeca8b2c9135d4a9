using Microsoft.Data.Sqlite;

namespace Threadline.Bench.Infrastructure;

/// <summary>Writes <see cref="LargeStore"/>'s rows into a server's SQLite file (made by the server, which is stopped) in one transaction.</summary>
internal static class SqliteSeed
{
    /// <summary>Returns the thread ids.</summary>
    public static async Task<string[]> WriteAsync(string path, int threads, int messages, CancellationToken ct)
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
        thread.Prepare();
        message.Prepare();

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
        await tx.CommitAsync(ct);
        await using (var checkpoint = c.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
        return seeded.Select(t => t.Id).ToArray();
    }
}

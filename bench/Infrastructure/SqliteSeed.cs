using Microsoft.Data.Sqlite;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// Writes <see cref="LargeStore"/>'s rows (and, for the dashboard, <see cref="DashboardStore"/>'s) into a
/// server's SQLite file (made by the server, which is stopped) in one transaction.
/// </summary>
internal static class SqliteSeed
{
    private static readonly string[] ThreadColumns = ["id", "project_id", "created_at", "external_id", "tool_resources", "metadata", "last_position",
        "active_run_id", "queued_runs", "next_run_at_ms"];

    private static readonly string[] MessageColumns = ["id", "project_id", "thread_id", "position", "created_at", "status", "incomplete_reason",
        "completed_at", "incomplete_at", "role", "content", "assistant_id", "run_id", "attachments", "metadata"];

    private static readonly string[] KeyColumns = ["project_id", "operation", "key", "request_hash", "state", "locked_until_ms", "response_status",
        "response_headers", "response_body", "created_at_ms", "expires_at_ms", "owner", "token"];

    /// <summary>Threads, their messages and the idempotency records of the first <paramref name="keys"/> threads' creates; returns the thread ids.</summary>
    public static async Task<string[]> WriteAsync(string path, int threads, int messages, int keys, CancellationToken ct)
    {
        var seeded = LargeStore.Threads(threads, messages);
        await WriteCoreAsync(path, seeded, keys, null, ct);
        return seeded.Select(t => t.Id).ToArray();
    }

    /// <summary>
    /// The large store with everything the dashboard lists (<see cref="DashboardStore"/>): runs and their steps,
    /// assistants, thread external ids, metadata and queues, webhook endpoints, events and deliveries.
    /// <c>runs.first_token_at_ms</c> is written when the store has the column (the dashboard's migration).
    /// </summary>
    public static async Task<DashboardStore> WriteDashboardAsync(string path, int threads, int messages, int recentRuns, int deliveries, CancellationToken ct)
    {
        var plan = DashboardStore.Plan(LargeStore.Threads(threads, messages), recentRuns, deliveries);
        await WriteCoreAsync(path, plan.Threads, keys: 0, plan, ct);
        return plan;
    }

    private static async Task WriteCoreAsync(string path, LargeStore.SeedThread[] seeded, int keys, DashboardStore? plan, CancellationToken ct)
    {
        await using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        await c.OpenAsync(ct);
        await using (var pragma = c.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;";
            await pragma.ExecuteNonQueryAsync(ct);
        }
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct);
        await using var thread = Insert(c, tx, "threads", ThreadColumns);
        await using var message = Insert(c, tx, "messages", MessageColumns);
        foreach (var t in seeded)
        {
            await ExecuteAsync(thread, ct, t.Id, LargeStore.Project, t.CreatedAt, plan?.ExternalIdOf(t.Index), null,
                plan?.MetadataOf(t.Index) ?? LargeStore.Metadata, (long)t.Messages, plan?.ActiveRunOf(t.Index), (long)(plan?.QueuedRunsOf(t.Index) ?? 0),
                plan?.NextRunAtMsOf(t.Index));
            foreach (var m in LargeStore.MessagesOf(t, plan))
            {
                await ExecuteAsync(message, ct, m.Id, LargeStore.Project, m.ThreadId, m.Position, m.CreatedAt, "completed", null, m.CompletedAt, null,
                    m.Role, m.Content, m.AssistantId, m.RunId, LargeStore.Attachments, LargeStore.Metadata);
            }
        }
        await using (var key = Insert(c, tx, "idempotency_keys", KeyColumns))
        {
            foreach (var k in LargeStore.KeysOf(seeded, keys, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
            {
                await ExecuteAsync(key, ct, LargeStore.Project, LargeStore.KeyOperation, k.Key, LargeStore.KeyRequestHash, "done", null, 200L,
                    LargeStore.KeyResponseHeaders, k.ResponseBody, k.CreatedAtMs, k.ExpiresAtMs, null, k.Token);
            }
        }
        if (plan is not null)
            await WriteDashboardRowsAsync(c, tx, plan, ct);
        await tx.CommitAsync(ct);
        await using (var checkpoint = c.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task WriteDashboardRowsAsync(SqliteConnection c, SqliteTransaction tx, DashboardStore plan, CancellationToken ct)
    {
        await using (var assistant = Insert(c, tx, "assistants", DashboardStore.SeedAssistant.Columns))
        {
            foreach (var a in DashboardStore.Assistants)
                await ExecuteAsync(assistant, ct, a.Row(plan.NowMs));
        }
        var firstToken = await HasColumnAsync(c, tx, "runs", DashboardStore.SeedRun.FirstTokenColumn, ct);
        await using (var run = Insert(c, tx, "runs", firstToken ? [.. DashboardStore.SeedRun.Columns, DashboardStore.SeedRun.FirstTokenColumn] : DashboardStore.SeedRun.Columns))
        await using (var step = Insert(c, tx, "run_steps", DashboardStore.SeedRun.StepColumns))
        {
            foreach (var r in plan.Runs())
            {
                await ExecuteAsync(run, ct, r.Row(firstToken));
                if (r.StepRow() is { } stepRow)
                    await ExecuteAsync(step, ct, stepRow);
            }
        }
        await using (var endpoint = Insert(c, tx, "webhook_endpoints", DashboardStore.SeedEndpoint.Columns))
        {
            foreach (var e in plan.Endpoints)
                await ExecuteAsync(endpoint, ct, e.Row());
        }
        await using var ev = Insert(c, tx, "webhook_events", DashboardStore.SeedDelivery.EventColumns, " RETURNING seq");
        await using var delivery = Insert(c, tx, "webhook_deliveries", DashboardStore.SeedDelivery.Columns);
        foreach (var d in plan.Deliveries())
        {
            Bind(ev, d.EventRow());
            var seq = (long)(await ev.ExecuteScalarAsync(ct))!;
            await ExecuteAsync(delivery, ct, d.Row(seq));
        }
    }

    /// <summary>A prepared <c>INSERT INTO table (columns) VALUES ($columns)</c>, its parameters in the columns' order.</summary>
    private static SqliteCommand Insert(SqliteConnection c, SqliteTransaction tx, string table, string[] columns, string tail = "")
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(n => "$" + n))}){tail}";
        foreach (var column in columns)
            command.Parameters.Add(new SqliteParameter("$" + column, DBNull.Value));
        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    private static Task<int> ExecuteAsync(SqliteCommand command, CancellationToken ct, params object?[] values)
    {
        Bind(command, values);
        return command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> HasColumnAsync(SqliteConnection c, SqliteTransaction tx, string table, string column, CancellationToken ct)
    {
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = $name";
        command.Parameters.AddWithValue("$name", column);
        return (long)(await command.ExecuteScalarAsync(ct))! > 0;
    }
}

using Npgsql;
using NpgsqlTypes;
using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Postgres;

/// <summary>
/// Writes <see cref="LargeStore"/>'s rows into a scenario's PostgreSQL database (schema made by the
/// server, src/Threadline/Storage/Postgres/Migrations/0001_initial.sql) with binary COPY
/// (<c>BeginBinaryImport</c>): a million messages through the API would take far longer. The
/// <c>seq</c> identity columns and the thread queue columns take their defaults. ANALYZE after, so
/// that the planner knows the tables' sizes as it would after autovacuum.
/// </summary>
internal static class PostgresSeed
{
    /// <summary>Returns the thread ids.</summary>
    public static async Task<string[]> WriteAsync(string connectionString, int threads, int messages, CancellationToken ct)
    {
        var seeded = LargeStore.Threads(threads, messages);
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync(ct);
        await using (var copy = await c.BeginBinaryImportAsync(
            "COPY threads (id, project_id, created_at, external_id, tool_resources, metadata, last_position) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var t in seeded)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(t.Id, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(LargeStore.Project, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(t.CreatedAt, NpgsqlDbType.Bigint, ct);
                await copy.WriteNullAsync(ct);
                await copy.WriteNullAsync(ct);
                await copy.WriteAsync(LargeStore.Metadata, NpgsqlDbType.Text, ct);
                await copy.WriteAsync((long)t.Messages, NpgsqlDbType.Bigint, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await using (var copy = await c.BeginBinaryImportAsync("""
            COPY messages (id, project_id, thread_id, position, created_at, status, completed_at, role, content, assistant_id, attachments, metadata)
            FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var m in seeded.SelectMany(t => LargeStore.MessagesOf(t)))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(m.Id, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(LargeStore.Project, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.ThreadId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.Position, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(m.CreatedAt, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync("completed", NpgsqlDbType.Text, ct);
                await WriteOrNullAsync(copy, m.CompletedAt, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(m.Role, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.Content, NpgsqlDbType.Text, ct);
                await WriteOrNullAsync(copy, m.AssistantId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(LargeStore.Attachments, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(LargeStore.Metadata, NpgsqlDbType.Text, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await using (var analyze = new NpgsqlCommand("ANALYZE threads; ANALYZE messages;", c))
            await analyze.ExecuteNonQueryAsync(ct);
        return seeded.Select(t => t.Id).ToArray();
    }

    /// <summary>
    /// The large store with everything the dashboard lists (<see cref="DashboardStore"/>), as
    /// <see cref="SqliteSeed.WriteDashboardAsync"/> writes it: threads with their external ids, metadata and
    /// queues, messages naming their runs, runs and steps, assistants, webhook endpoints, events and deliveries.
    /// Every table by binary COPY; the events' <c>seq</c> is the identity's next values in COPY order, which the
    /// deliveries name. <c>runs.first_token_at_ms</c> is written when the store has the column.
    /// </summary>
    public static async Task<DashboardStore> WriteDashboardAsync(string connectionString, int threads, int messages, int recentRuns, int deliveries, CancellationToken ct)
    {
        var plan = DashboardStore.Plan(LargeStore.Threads(threads, messages), recentRuns, deliveries);
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync(ct);
        await CopyAsync(c, "threads", ["id", "project_id", "created_at", "external_id", "tool_resources", "metadata", "last_position", "active_run_id", "queued_runs", "next_run_at_ms"],
            plan.Threads.Select(t => new object?[] { t.Id, LargeStore.Project, t.CreatedAt, plan.ExternalIdOf(t.Index), null, plan.MetadataOf(t.Index),
                (long)t.Messages, plan.ActiveRunOf(t.Index), (long)plan.QueuedRunsOf(t.Index), plan.NextRunAtMsOf(t.Index) }), ct);
        await CopyAsync(c, "messages", ["id", "project_id", "thread_id", "position", "created_at", "status", "completed_at", "role", "content", "assistant_id", "run_id", "attachments", "metadata"],
            plan.Threads.SelectMany(t => LargeStore.MessagesOf(t, plan)).Select(m => new object?[] { m.Id, LargeStore.Project, m.ThreadId, m.Position, m.CreatedAt,
                "completed", m.CompletedAt, m.Role, m.Content, m.AssistantId, m.RunId, LargeStore.Attachments, LargeStore.Metadata }), ct);
        await CopyAsync(c, "assistants", DashboardStore.SeedAssistant.Columns, DashboardStore.Assistants.Select(a => a.Row(plan.NowMs)), ct);
        await using (var has = new NpgsqlCommand("SELECT count(*) FROM information_schema.columns WHERE table_name = 'runs' AND column_name = $1", c))
        {
            has.Parameters.AddWithValue(DashboardStore.SeedRun.FirstTokenColumn);
            var firstToken = (long)(await has.ExecuteScalarAsync(ct))! > 0;
            await CopyAsync(c, "runs", firstToken ? [.. DashboardStore.SeedRun.Columns, DashboardStore.SeedRun.FirstTokenColumn] : DashboardStore.SeedRun.Columns,
                plan.Runs().Select(r => r.Row(firstToken)), ct);
        }
        await CopyAsync(c, "run_steps", DashboardStore.SeedRun.StepColumns, plan.Runs().Select(r => r.StepRow()).OfType<object?[]>(), ct);
        await CopyAsync(c, "webhook_endpoints", DashboardStore.SeedEndpoint.Columns, plan.Endpoints.Select(e => e.Row()), ct);
        long firstSeq;
        await using (var next = new NpgsqlCommand("SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_events", c))
            firstSeq = (long)(await next.ExecuteScalarAsync(ct))!;
        var sent = plan.Deliveries().ToList();
        await CopyAsync(c, "webhook_events", DashboardStore.SeedDelivery.EventColumns, sent.Select(d => d.EventRow()), ct);
        await CopyAsync(c, "webhook_deliveries", DashboardStore.SeedDelivery.Columns, sent.Select((d, i) => d.Row(firstSeq + i)), ct);
        await using (var analyze = new NpgsqlCommand("ANALYZE", c))
            await analyze.ExecuteNonQueryAsync(ct);
        return plan;
    }

    /// <summary>Rows by binary COPY, each value typed by its .NET type (text, bigint, double precision, bytea; null as NULL).</summary>
    private static async Task CopyAsync(NpgsqlConnection c, string table, string[] columns, IEnumerable<object?[]> rows, CancellationToken ct)
    {
        await using var copy = await c.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(ct);
            foreach (var value in row)
            {
                await (value switch
                {
                    null => copy.WriteNullAsync(ct),
                    string s => copy.WriteAsync(s, NpgsqlDbType.Text, ct),
                    long l => copy.WriteAsync(l, NpgsqlDbType.Bigint, ct),
                    double d => copy.WriteAsync(d, NpgsqlDbType.Double, ct),
                    byte[] b => copy.WriteAsync(b, NpgsqlDbType.Bytea, ct),
                    _ => throw new ArgumentException($"{table}: no COPY type for {value.GetType().Name}"),
                });
            }
        }
        await copy.CompleteAsync(ct);
    }

    private static Task WriteOrNullAsync(NpgsqlBinaryImporter copy, object? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);
}

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

    private static Task WriteOrNullAsync(NpgsqlBinaryImporter copy, object? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);
}

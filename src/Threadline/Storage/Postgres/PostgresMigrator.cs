using Npgsql;

namespace Threadline.Storage.Postgres;

/// <summary>
/// Applies the numbered scripts under <c>Migrations/</c> the database has not seen, each in its own
/// transaction. Nodes that start at once queue on a session advisory lock and re-read the applied
/// versions under it, so each script runs once.
/// </summary>
internal sealed partial class PostgresMigrator(NpgsqlDataSource data, ILogger<PostgresMigrator> logger)
{
    private const long MigrationLock = 0x7468_7264_6c6e_0000; // "thrdln" 0

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await data.OpenConnectionAsync(ct);
        await Execute(connection, null, "SELECT pg_advisory_lock(@lock)", ct, ("lock", MigrationLock));
        try
        {
            await Execute(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);
            foreach (var (version, name, sql) in MigrationScripts.Read(typeof(PostgresMigrator).Assembly, "Threadline.Storage.Postgres.Migrations."))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await using (var applied = new NpgsqlCommand("SELECT count(*) FROM schema_migrations WHERE version = @version", connection, tx))
                {
                    applied.Parameters.AddWithValue("version", version);
                    if ((long)(await applied.ExecuteScalarAsync(ct))! > 0)
                        continue;
                }
                await Execute(connection, tx, sql, ct);
                await Execute(connection, tx, "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)", ct, ("version", version), ("name", name));
                await tx.CommitAsync(ct);
                LogApplied(logger, version, name);
            }
        }
        finally
        {
            await Execute(connection, null, "SELECT pg_advisory_unlock(@lock)", CancellationToken.None, ("lock", MigrationLock));
        }
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        // Unbounded: a script may take long on a large table, and a node waits on the lock while another applies it.
        await using var command = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}

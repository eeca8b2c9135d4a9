namespace Threadline.Storage.Sqlite;

/// <summary>
/// Applies the numbered scripts under <c>Migrations/</c> that the file has not seen, each in its own
/// transaction, and switches the file to WAL. Safe when several processes start at once: the write
/// lock serializes them and each re-reads the applied versions under it.
/// </summary>
internal sealed partial class SqliteMigrator(SqliteConnections connections, ILogger<SqliteMigrator> logger)
{
    public void Migrate()
    {
        using var session = connections.OpenWriter();
        session.Execute("PRAGMA journal_mode = WAL");
        foreach (var (version, name, sql) in MigrationScripts.Read(typeof(SqliteMigrator).Assembly, "Threadline.Storage.Sqlite.Migrations."))
        {
            session.Execute("BEGIN IMMEDIATE");
            try
            {
                session.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
                if (session.ScalarLong("SELECT count(*) FROM schema_migrations WHERE version = $version", ("$version", version)) > 0)
                {
                    session.Execute("COMMIT");
                    continue;
                }
                using (var command = session.Connection.CreateCommand())
                {
                    command.CommandText = sql;
                    command.ExecuteNonQuery();
                }
                session.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($version, $name, $at)",
                    ("$version", version), ("$name", name), ("$at", DateTime.UtcNow.ToString("O")));
                session.Execute("COMMIT");
                LogApplied(logger, version, name);
            }
            catch
            {
                session.Execute("ROLLBACK");
                throw;
            }
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}

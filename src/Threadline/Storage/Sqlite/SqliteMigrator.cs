using Dapper;

namespace Threadline.Storage.Sqlite;

/// <summary>
/// Applies the numbered scripts under <c>Migrations/</c> that the file has not seen, each in its
/// own transaction, and switches the file to WAL. Safe when several processes start at once:
/// the write lock serializes them and each re-reads the applied versions under it.
/// </summary>
internal sealed partial class SqliteMigrator(SqliteDatabase database, ILogger<SqliteMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using (var connection = await database.OpenAsync(ct))
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");

        foreach (var (version, name, sql) in Scripts())
        {
            var applied = await database.WriteAsync(async (c, tx) =>
            {
                await c.ExecuteAsync(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                    transaction: tx);
                if (await c.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations WHERE version = @version", new { version }, tx) > 0)
                    return false;
                await c.ExecuteAsync(sql, transaction: tx);
                await c.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                    new { version, name, at = DateTime.UtcNow.ToString("O") }, tx);
                return true;
            }, ct);
            if (applied)
                LogApplied(logger, version, name);
        }
    }

    private static IEnumerable<(int Version, string Name, string Sql)> Scripts()
    {
        var assembly = typeof(SqliteMigrator).Assembly;
        const string prefix = "Threadline.Storage.Sqlite.Migrations.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_')), System.Globalization.CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (version, name, reader.ReadToEnd());
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}

using Microsoft.Data.Sqlite;

namespace Threadline.Storage.Sqlite;

/// <summary>Opens connections to the file with the pragmas each kind needs.</summary>
internal sealed class SqliteConnections(SqliteOptions options)
{
    /// <summary><c>SQLITE_DBCONFIG_ENABLE_QPSG</c>.</summary>
    private const int EnableQueryPlannerStability = 1007;

    /// <summary><c>SQLITE_CONFIG_MULTITHREAD</c>.</summary>
    private const int MultiThread = 2;

    static SqliteConnections()
    {
        // Each connection here is used by one thread at a time (the writer's by its loop, a reader's by
        // the read that rented it), so SQLite's per-connection mutexes (serialized mode, the bundle's
        // default) only cost. Possible only before the first connection of the process opens; when
        // another one came first (an in-process test), it stays serialized, which is also correct.
        SQLitePCL.Batteries_V2.Init();
        SQLitePCL.raw.sqlite3_config(MultiThread);
    }

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = options.Path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        // Each session keeps its connection open for good: pooling would only add a layer.
        Pooling = false,
        DefaultTimeout = Math.Max(1, options.BusyTimeoutMs / 1000),
    }.ToString();

    public SqliteOptions Options => options;

    /// <summary>
    /// The writer's connection: durable commits, a busy wait for other processes' locks, and the page cache
    /// of <see cref="SqliteOptions.WriterCacheMiB"/> (a negative <c>cache_size</c> is in KiB). Readers
    /// keep SQLite's default: WAL drops a reader's cache whenever the writer has committed since its last read.
    /// </summary>
    public SqliteSession OpenWriter() =>
        Open(writable: true, $"PRAGMA busy_timeout = {options.BusyTimeoutMs}; PRAGMA synchronous = {options.Synchronous}; PRAGMA temp_store = MEMORY; PRAGMA cache_size = {-options.WriterCacheMiB * 1024};");

    /// <summary>A reader: WAL lets it read beside the writer; it refuses to write.</summary>
    public SqliteSession OpenReader() =>
        Open(writable: false, $"PRAGMA busy_timeout = {options.BusyTimeoutMs}; PRAGMA query_only = 1;");

    private SqliteSession Open(bool writable, string pragmas)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // The query planner's stability guarantee: a plan never depends on bound values. Without it a
        // statement whose range on a partially indexed column takes a parameter (next_run_at_ms <= $now)
        // is prepared again at every new value; every plan here stays on its index without them.
        SQLitePCL.raw.sqlite3_db_config(connection.Handle, EnableQueryPlannerStability, 1, out _);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = pragmas;
            command.ExecuteNonQuery();
        }
        return new SqliteSession(connection, writable);
    }
}

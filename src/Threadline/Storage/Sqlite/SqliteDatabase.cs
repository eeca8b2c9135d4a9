using System.Data;
using Microsoft.Data.Sqlite;

namespace Threadline.Storage.Sqlite;

/// <summary>Opens connections with the pragmas every connection needs, and runs work in write transactions.</summary>
internal sealed class SqliteDatabase : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly SqliteWriter _writer;

    public SqliteDatabase(SqliteOptions options)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Path))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = Math.Max(1, options.BusyTimeoutMs / 1000),
        }.ToString();
        _pragmas = $"PRAGMA busy_timeout = {options.BusyTimeoutMs}; PRAGMA synchronous = {options.Synchronous};";
        _writer = new SqliteWriter(OpenAsync);
    }

    /// <summary>A connection for writing: with the durability and busy-wait pragmas.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        await command.ExecuteNonQueryAsync(ct);
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> atomically in a write transaction (with others: group commit, see
    /// <see cref="SqliteWriter"/>); the task completes once the commit is durable (I3). The work
    /// must use only the connection and transaction it is given.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, IDbTransaction, Task<T>> work, CancellationToken ct) =>
        _writer.WriteAsync(work);

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled read connection. WAL lets reads go on beside the writer;
    /// they need none of the writer's pragmas (a busy wait comes from the connection string).
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        return await work(connection);
    }
}

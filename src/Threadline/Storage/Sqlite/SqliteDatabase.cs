using System.Data;
using Microsoft.Data.Sqlite;

namespace Threadline.Storage.Sqlite;

/// <summary>Opens connections with the pragmas every connection needs, and runs work in write transactions.</summary>
internal sealed class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly string _pragmas;

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
    }

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
    /// Runs <paramref name="work"/> in a <c>BEGIN IMMEDIATE</c> transaction: the write lock is taken
    /// first, so two processes never deadlock upgrading a read, and the commit is durable before
    /// this returns (I3).
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, IDbTransaction, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, ct);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(ct);
        return result;
    }

    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        return await work(connection);
    }
}

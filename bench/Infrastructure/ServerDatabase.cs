using Microsoft.Data.Sqlite;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The server's SQLite file (<c>&lt;DataDirectory&gt;/threadline.db</c>, or the durable baseline's), read
/// from the harness to check what the API acknowledged (durability, runs per user) and to wait for runs
/// to end. Only reads; while the server runs, WAL lets it read beside the server's writers.
/// </summary>
internal sealed class ServerDatabase(string dataDirectory, string fileName = "threadline.db") : IStoreReader
{
    private SqliteConnection? _connection;

    public string Path => System.IO.Path.Combine(dataDirectory, fileName);

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken ct)
    {
        var c = await OpenAsync(ct);
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync(ct);
        return StoreReaderQueries.Scalar<T>(value);
    }

    public async Task<List<object?[]>> RowsAsync(string sql, CancellationToken ct)
    {
        var c = await OpenAsync(ct);
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await StoreReaderQueries.ReadAllAsync(reader, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        _connection = null;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        if (_connection is not null)
            return _connection;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        await _connection.OpenAsync(ct);
        await using var pragma = _connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA query_only = 1;";
        await pragma.ExecuteNonQueryAsync(ct);
        return _connection;
    }
}

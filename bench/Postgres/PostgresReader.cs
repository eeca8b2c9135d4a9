using Npgsql;
using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Postgres;

/// <summary>A scenario's PostgreSQL database, read from the harness as <see cref="ServerDatabase"/> reads a SQLite file.</summary>
internal sealed class PostgresReader(string connectionString) : IStoreReader
{
    private NpgsqlConnection? _connection;

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, await OpenAsync(ct));
        var value = await command.ExecuteScalarAsync(ct);
        return StoreReaderQueries.Scalar<T>(value);
    }

    public async Task<List<object?[]>> RowsAsync(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, await OpenAsync(ct));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await StoreReaderQueries.ReadAllAsync(reader, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        _connection = null;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        if (_connection is not null)
            return _connection;
        _connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await _connection.OpenAsync(ct);
        return _connection;
    }
}

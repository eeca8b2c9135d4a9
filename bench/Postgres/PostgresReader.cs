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
        return (T)Convert.ChangeType(value is null or DBNull ? 0L : value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<object?[]>> RowsAsync(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, await OpenAsync(ct));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
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

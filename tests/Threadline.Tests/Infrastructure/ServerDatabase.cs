using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// Read-only look into a server's database (its SQLite file <c>&lt;DataDirectory&gt;/threadline.db</c>, or the folder's PostgreSQL database, <see cref="TestStorage"/>), only for what the API
/// cannot show: what a killed process left behind, before a restarted one changes it, and rows that no
/// route reaches any more. Everything else is read through the API, so that the suites can run against
/// another store.
/// </summary>
internal static class ServerDatabase
{
    /// <summary>Runs a scalar query with <c>@id</c> bound to <paramref name="id"/>.</summary>
    public static async Task<long> ScalarAsync(string dataDirectory, string sql, string id)
    {
        await using var connection = await OpenAsync(dataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a query and maps each row.</summary>
    public static async Task<List<T>> ReadAsync<T>(string dataDirectory, string sql, Func<DbDataReader, T> map)
    {
        await using var connection = await OpenAsync(dataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>Read-only and without pooling, so that no handle outlives the read; on PostgreSQL, the folder's database.</summary>
    private static async Task<DbConnection> OpenAsync(string dataDirectory)
    {
        if (TestStorage.OnPostgres)
        {
            var postgres = new NpgsqlConnection(TestStorage.PostgresConnectionString(dataDirectory));
            await postgres.OpenAsync();
            return postgres;
        }
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "threadline.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync();
        return connection;
    }
}

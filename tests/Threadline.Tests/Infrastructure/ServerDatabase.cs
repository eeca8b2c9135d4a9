using Microsoft.Data.Sqlite;

namespace Threadline.Tests.Infrastructure;

/// <summary>Read-only look into a server's SQLite file (<c>&lt;DataDirectory&gt;/threadline.db</c>), for what the API cannot show.</summary>
internal static class ServerDatabase
{
    /// <summary>Runs a scalar query with <c>@id</c> bound to <paramref name="id"/>.</summary>
    public static async Task<long> ScalarAsync(string dataDirectory, string sql, string id)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "threadline.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("@id", id);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

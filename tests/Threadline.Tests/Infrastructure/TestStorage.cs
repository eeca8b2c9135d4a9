using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// Which store the suites run on. By default the embedded SQLite file in each test's data folder;
/// with <c>THREADLINE_TEST_STORAGE=postgres</c>, a database of its own per data folder on the
/// PostgreSQL server of <c>THREADLINE_TEST_POSTGRES</c> (an Npgsql connection string with rights to
/// create databases; <c>./test.sh</c> starts a throwaway cluster and sets both). A data folder
/// names its database, so two servers on one folder share one database, as on one SQLite file.
/// </summary>
internal static class TestStorage
{
    public static string? PostgresAdmin => Environment.GetEnvironmentVariable("THREADLINE_TEST_POSTGRES") is { Length: > 0 } cs ? cs : null;

    public static bool OnPostgres => Environment.GetEnvironmentVariable("THREADLINE_TEST_STORAGE") == "postgres";

    /// <summary>The configuration that puts a server (or core) with this data folder on the suites' store.</summary>
    public static IEnumerable<KeyValuePair<string, string>> SettingsFor(string dataDirectory)
    {
        if (!OnPostgres)
            yield break;
        yield return new("Threadline:Storage:Provider", "postgres");
        yield return new("ConnectionStrings:Threadline", PostgresConnectionString(dataDirectory));
    }

    /// <summary>The connection string of the data folder's database, made if it does not exist yet.</summary>
    public static string PostgresConnectionString(string dataDirectory)
    {
        var admin = PostgresAdmin ?? throw new InvalidOperationException(
            "THREADLINE_TEST_POSTGRES is not set: run the PostgreSQL suites through ./test.sh, which starts a cluster.");
        var name = DatabaseName(dataDirectory);
        EnsureDatabase(admin, name);
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString;
    }

    public static string DatabaseName(string dataDirectory) =>
        "tl_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory).TrimEnd('/'))))[..20];

    /// <summary>Drops the data folder's database, if the suites run on PostgreSQL.</summary>
    public static void Drop(string dataDirectory)
    {
        if (!OnPostgres || PostgresAdmin is not { } admin)
            return;
        using var connection = new NpgsqlConnection(admin);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DatabaseName(dataDirectory)} WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }

    /// <summary>
    /// The deadlocks PostgreSQL detected in the data folder's database, once no connection to it is left
    /// (each backend reports its count as it exits); fails if connections stay past <paramref name="timeout"/>.
    /// </summary>
    public static async Task<long> DeadlocksAsync(string dataDirectory, TimeSpan timeout)
    {
        var admin = PostgresAdmin ?? throw new InvalidOperationException("THREADLINE_TEST_POSTGRES is not set.");
        var name = DatabaseName(dataDirectory);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await Eventually.TrueAsync(async () =>
        {
            await using var left = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @name", connection);
            left.Parameters.AddWithValue("name", name);
            return (long)(await left.ExecuteScalarAsync())! == 0;
        }, $"rid of every connection to {name}", timeout);
        await using var count = new NpgsqlCommand("SELECT pg_stat_clear_snapshot(); SELECT deadlocks FROM pg_stat_database WHERE datname = @name", connection);
        count.Parameters.AddWithValue("name", name);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.NextResultAsync();
        return await reader.ReadAsync() ? reader.GetInt64(0) : 0;
    }

    private static readonly HashSet<string> Made = [];

    private static void EnsureDatabase(string admin, string name)
    {
        lock (Made)
        {
            if (Made.Contains(name))
                return;
            using var connection = new NpgsqlConnection(admin);
            connection.Open();
            using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)", connection);
            exists.Parameters.AddWithValue("name", name);
            if (exists.ExecuteScalar() is not true)
            {
                using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                create.ExecuteNonQuery();
            }
            Made.Add(name);
        }
    }
}

using Threadline.Bench.Postgres;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The database of one measured system: a SQLite file in a data directory, or a PostgreSQL database
/// of the run's cluster. Says how to point Threadline at it and how the harness reads it.
/// </summary>
internal sealed class ServerStore(string dataDirectory, string? postgresConnection)
{
    /// <summary>The SQLite store's directory (the first node's data directory on PostgreSQL).</summary>
    public string DataDirectory => dataDirectory;

    public string? PostgresConnection => postgresConnection;

    /// <summary>Settings added to every node: none for SQLite (the default), the provider and connection string for PostgreSQL.</summary>
    public IReadOnlyList<string> Settings => postgresConnection is null
        ? []
        : ["--Threadline:Storage:Provider=postgres", $"--ConnectionStrings:Threadline={postgresConnection}"];

    public IStoreReader OpenReader() => postgresConnection is null ? new ServerDatabase(dataDirectory) : new PostgresReader(postgresConnection);
}

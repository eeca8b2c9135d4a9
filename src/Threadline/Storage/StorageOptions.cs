namespace Threadline.Storage;

/// <summary>Which database the server keeps its state in, bound from <c>Threadline:Storage</c>.</summary>
internal sealed class StorageOptions
{
    public const string Section = "Threadline:Storage";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>
    /// <c>sqlite</c> (default): an embedded file in the data directory, for one machine.
    /// <c>postgres</c>: a PostgreSQL server given by <c>ConnectionStrings:Threadline</c> (or
    /// <c>THREADLINE_DATABASE_URL</c>), for several nodes.
    /// </summary>
    public string Provider { get; set; } = Sqlite;

    public string? Problem(string? postgresConnectionString) =>
        Provider is not (Sqlite or Postgres) ? $"Threadline:Storage:Provider must be 'sqlite' or 'postgres', not '{Provider}'."
        : Provider == Postgres && string.IsNullOrWhiteSpace(postgresConnectionString)
            ? "Threadline:Storage:Provider is 'postgres' but neither ConnectionStrings:Threadline nor THREADLINE_DATABASE_URL is set."
        : null;
}

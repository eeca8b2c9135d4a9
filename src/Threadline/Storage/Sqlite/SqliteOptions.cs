namespace Threadline.Storage.Sqlite;

/// <summary>How the embedded SQLite file is opened.</summary>
internal sealed class SqliteOptions
{
    /// <summary>The database file. Default: <c>threadline.db</c> in the data directory.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// <c>FULL</c> (default) syncs the WAL on every commit, so an acknowledged write survives
    /// power loss; <c>NORMAL</c> survives a process crash only.
    /// </summary>
    public string Synchronous { get; init; } = "FULL";

    /// <summary>The writer connection's page cache in MiB (<c>PRAGMA cache_size</c>). Default 2, SQLite's own.</summary>
    public int WriterCacheMiB { get; init; } = 2;

    /// <summary>How long a writer waits for another process's write lock, in milliseconds.</summary>
    public int BusyTimeoutMs { get; init; } = 30_000;

    /// <summary>Read connections kept open, each with its prepared statements. Default 8.</summary>
    public int ReadConnections { get; init; } = 8;

    /// <summary>
    /// How often an idle writer looks for commits of other processes on the same file (a
    /// <c>PRAGMA data_version</c>, a few microseconds). Default 250 ms.
    /// </summary>
    public TimeSpan ExternalChangeProbe { get; init; } = TimeSpan.FromMilliseconds(250);
}

namespace Threadline.Storage.Sqlite;

/// <summary>The store on an embedded SQLite file: one writer connection with group commit, a pool of readers.</summary>
internal sealed class SqliteStore : IStore, IAsyncDisposable
{
    private readonly SqliteConnections _connections;
    private readonly SqliteMigrator _migrator;
    private readonly SqliteReadPool _reads;
    private readonly SqliteWriter _writer;

    public SqliteStore(SqliteOptions options, TimeProvider time, Telemetry.ThreadlineMetrics metrics, ILoggerFactory loggers)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Path))!);
        _connections = new SqliteConnections(options);
        _migrator = new SqliteMigrator(_connections, loggers.CreateLogger<SqliteMigrator>());
        _reads = new SqliteReadPool(_connections, time);
        var writerLogger = loggers.CreateLogger("Threadline.Storage.Writer");
        WriteHealth = new WriteHealth(writerLogger);
        _writer = new SqliteWriter(_connections.OpenWriter, Changes, time, options.ExternalChangeProbe, metrics, WriteHealth, writerLogger);
        Description = $"SQLite in {Path.GetDirectoryName(Path.GetFullPath(options.Path))}";
    }

    public ChangeFeed Changes { get; } = new();

    public WriteHealth WriteHealth { get; }

    public string Description { get; }

    public ValueTask<T> ReadAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct) => _reads.ReadAsync(work, ct);

    public Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct)
    {
        var (enlisted, committed) = Idempotency.IdempotencyScope.Enlist(work);
        return _writer.WriteAsync(enlisted, committed, ct);
    }

    public Task MigrateAsync(CancellationToken ct)
    {
        _migrator.Migrate();
        return Task.CompletedTask;
    }

    public async Task PingAsync(CancellationToken ct) =>
        await ReadAsync(s => ValueTask.FromResult(((SqliteSession)s).ScalarLong("SELECT 1")), ct);

    public async Task WriteProbeAsync(CancellationToken ct) =>
        await WriteAsync(s => ValueTask.FromResult(((SqliteSession)s).Execute("""
            INSERT INTO write_probe (id, probed_at_ms, headroom) VALUES (1, $now, $headroom)
            ON CONFLICT (id) DO UPDATE SET probed_at_ms = excluded.probed_at_ms, headroom = excluded.headroom
            """, ("$now", s.NowMs), ("$headroom", WriteProbe.Headroom()))), ct);

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        _reads.Dispose();
    }
}

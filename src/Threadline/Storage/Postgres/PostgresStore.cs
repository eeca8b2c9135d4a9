using Npgsql;

namespace Threadline.Storage.Postgres;

/// <summary>
/// The store on a PostgreSQL server shared by every node. Reads run on a pooled connection; writes
/// are group-committed in READ COMMITTED transactions (<see cref="PostgresWriter"/>). The transitions
/// take their thread's row lock first, which is what makes them safe across nodes (docs/storage.md).
/// What a write changed is announced to this node's feed on commit and to the others by a
/// <c>NOTIFY</c> sent in the same transaction. A statement the server refuses for want of disk
/// (<c>disk_full</c>) fails with <see cref="StorageFullException"/>, and a refused write marks
/// <see cref="WriteHealth"/>.
/// </summary>
internal sealed class PostgresStore : IStore, IAsyncDisposable
{
    private readonly PostgresDatabase _database;
    private readonly NpgsqlDataSource _data;
    private readonly PostgresMigrator _migrator;
    private readonly PostgresWriter _writer;
    private readonly TimeProvider _time;

    public PostgresStore(PostgresDatabase database, int writers, TimeProvider time, Telemetry.ThreadlineMetrics metrics, ILoggerFactory loggers)
    {
        _database = database;
        _data = database.DataSource;
        _time = time;
        _writer = new PostgresWriter(database, writers, time, metrics, loggers.CreateLogger("Threadline.Storage.Writer"));
        WriteHealth = new WriteHealth(loggers.CreateLogger<PostgresStore>());
        _migrator = new PostgresMigrator(_data, loggers.CreateLogger<PostgresMigrator>());
    }

    private Task<T> BoundedAsync<T>(Task<T> call, CancellationToken ct) => _database.BoundedAsync(call, ct);

    public ChangeFeed Changes => _database.Changes;

    public string Description => _database.Description;

    public WriteHealth WriteHealth { get; }

    public async ValueTask<T> ReadAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct)
    {
        try
        {
            return await BoundedAsync(ReadOnceAsync(work, ct), ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DiskFull)
        {
            // A read that spilled to a temporary file; writes tell readiness, a read only answers.
            throw new StorageFullException(e);
        }
        catch (Exception e) when (Unavailable(e, ct))
        {
            throw new StoreUnavailableException("The database is unavailable.", e);
        }
    }

    private async Task<T> ReadOnceAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct)
    {
        await using var connection = await _data.OpenConnectionAsync(ct);
        return await work(new PostgresSession(connection, null, _time));
    }

    public async Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct, string? thread = null)
    {
        var (enlisted, committed) = Idempotency.IdempotencyScope.Enlist(work);
        try
        {
            var result = await BoundedAsync(_writer.WriteAsync(enlisted, committed, thread, ct), ct);
            WriteHealth.Committed();
            return result;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DiskFull)
        {
            WriteHealth.Refused(e);
            throw new StorageFullException(e);
        }
        catch (Exception e) when (Unavailable(e, ct))
        {
            throw new StoreUnavailableException("The database is unavailable.", e);
        }
    }

    /// <summary>
    /// A failure to reach the database (not a bug in a statement, not the caller giving up), or the
    /// server short of resources (class 53: memory, connections, limits) for a moment.
    /// </summary>
    private static bool Unavailable(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e switch
        {
            PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
            NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException,
            TimeoutException => true,
            _ => false,
        };

    public async Task MigrateAsync(CancellationToken ct)
    {
        await _migrator.MigrateAsync(ct);
        await _database.Listener.StartAsync(ct);
    }

    public async Task PingAsync(CancellationToken ct) =>
        await ReadAsync(async s => await ((PostgresSession)s).ScalarLongAsync("SELECT 1"), ct);

    public async Task WriteProbeAsync(CancellationToken ct) =>
        await WriteAsync(async s => await ((PostgresSession)s).ExecuteAsync("""
            INSERT INTO write_probe (id, probed_at_ms, headroom) VALUES (1, @now, @headroom)
            ON CONFLICT (id) DO UPDATE SET probed_at_ms = excluded.probed_at_ms, headroom = excluded.headroom
            """, ("now", s.NowMs), ("headroom", WriteProbe.Headroom())), ct);

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _database.DisposeAsync();
    }
}

using System.Data;
using Npgsql;

namespace Threadline.Storage.Postgres;

/// <summary>
/// The store on a PostgreSQL server shared by every node. Each write is one READ COMMITTED
/// transaction on a pooled connection; the transitions take their thread's row lock first, which
/// is what makes them safe across nodes (docs/storage.md). A write that loses a deadlock or a
/// serialization check is run again from the start. What a write changed is announced to this
/// node's feed on commit and to the others by a <c>NOTIFY</c> sent in the same transaction. A
/// statement the server refuses for want of disk (<c>disk_full</c>) fails with
/// <see cref="StorageFullException"/>, and a refused write marks <see cref="WriteHealth"/>.
/// </summary>
internal sealed partial class PostgresStore : IStore, IAsyncDisposable
{
    private const int MaxAttempts = 5;

    private readonly PostgresDatabase _database;
    private readonly NpgsqlDataSource _data;
    private readonly PostgresMigrator _migrator;
    private readonly TimeProvider _time;
    private readonly string _node;
    private readonly ILogger _logger;

    public PostgresStore(PostgresDatabase database, TimeProvider time, ILoggerFactory loggers)
    {
        _database = database;
        _data = database.DataSource;
        _time = time;
        _node = database.Node;
        _logger = loggers.CreateLogger<PostgresStore>();
        WriteHealth = new WriteHealth(_logger);
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

    public async Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct)
    {
        var (enlisted, committed) = Idempotency.IdempotencyScope.Enlist(work);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (result, changes) = await BoundedAsync(RunOnceAsync(enlisted, ct), ct);
                committed?.Invoke();
                WriteHealth.Committed();
                Changes.Publish(changes);
                return result;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                                              && attempt < MaxAttempts)
            {
                LogRetried(_logger, attempt, e.SqlState);
                // Real time, whatever the queue's clock: the other transaction is running now.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), ct);
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
    }

    private async Task<(T Result, IReadOnlyList<StoreChange> Changes)> RunOnceAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct)
    {
        await using var connection = await _data.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var session = new PostgresSession(connection, transaction, _time);
        var result = await work(session);
        if (PostgresChangeMessage.Encode(_node, session.Changes) is { } payload)
            await session.ExecuteAsync("SELECT pg_notify(@channel, @payload)", ("channel", PostgresChangeMessage.Channel), ("payload", payload));
        // Not cancellable: once the work ran, its commit is not abandoned halfway by a client leaving.
        await transaction.CommitAsync(CancellationToken.None);
        return (result, session.Changes);
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

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [LoggerMessage(EventId = 114, Level = LogLevel.Debug, Message = "A write was run again (attempt {Attempt} lost a {SqlState})")]
    private static partial void LogRetried(ILogger logger, int attempt, string sqlState);
}

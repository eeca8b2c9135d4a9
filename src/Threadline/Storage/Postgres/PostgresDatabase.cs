using Npgsql;

namespace Threadline.Storage.Postgres;

/// <summary>
/// This node's way to the PostgreSQL server, shared by the store and the event relay: the
/// connection pool, the feed of committed changes, and the one connection that listens for other
/// nodes' notifications.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    private int _disposed;
    private readonly NpgsqlDataSource _listening;

    /// <summary>
    /// Npgsql cancels a timed-out command inline, opening a new connection to send the cancellation
    /// (npgsql/npgsql#3696), which blocks a pool thread while the server hangs; many at once starve a
    /// small machine's pool (2 threads to start on 2 cores), and every request, a 503 included, then
    /// waits seconds for a thread. A floor keeps answers within the store's budget.
    /// </summary>
    private const int MinWorkerThreads = 64;

    public PostgresDatabase(string connectionString, Queue.ProcessIdentity identity, ILoggerFactory loggers)
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < MinWorkerThreads)
            ThreadPool.SetMinThreads(MinWorkerThreads, io);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseLoggerFactory(loggers);
        DataSource = builder.Build();
        Node = identity.Owner;
        // Real time for its reconnection back-off, whatever clock the queue runs on.
        // The listening connection is never pooled: a pooled connection is not reset (No Reset On Close),
        // and one handed back still listening would hold up the server's notification queue.
        _listening = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { Pooling = false } }.Build();
        Listener = new PostgresChangeListener(_listening, Changes, Node, TimeProvider.System, loggers.CreateLogger<PostgresChangeListener>());
        var where = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"PostgreSQL at {where.Host}:{where.Port}/{where.Database}";
        Budget = where.CommandTimeout > 0 ? TimeSpan.FromSeconds(where.CommandTimeout) : Timeout.InfiniteTimeSpan;
    }

    public NpgsqlDataSource DataSource { get; }

    public ChangeFeed Changes { get; } = new();

    public PostgresChangeListener Listener { get; }

    /// <summary>This node's name in notifications (its own are not heard again).</summary>
    public string Node { get; }

    public string Description { get; }

    /// <summary>
    /// How long one call (its connection, statements and commit) may take before it answers unavailable: the
    /// command timeout, for the whole call. Npgsql alone gives up on a server that hangs (its host gone, no
    /// reset) only after the command timeout plus a cancellation request that hangs as well, twice the
    /// connect timeout more; so the call is left to Npgsql in the background, and its connection returns to
    /// the pool when Npgsql is done with it. A write left so may still commit (as one whose connection broke
    /// during its commit), which an Idempotency-Key retry finds out.
    /// </summary>
    public TimeSpan Budget { get; }

    public async Task<T> BoundedAsync<T>(Task<T> call, CancellationToken ct)
    {
        try
        {
            return await call.WaitAsync(Budget, ct);
        }
        catch (TimeoutException)
        {
            _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Sends notifications on <paramref name="channel"/> in one round trip, in order, outside any transaction, within <see cref="Budget"/>.</summary>
    public Task NotifyAsync(string channel, IReadOnlyList<string> payloads, CancellationToken ct) =>
        BoundedAsync(SendAsync(channel, payloads, ct), ct);

    private async Task<bool> SendAsync(string channel, IReadOnlyList<string> payloads, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, p) FROM unnest(@payloads::text[]) WITH ORDINALITY AS n(p, i) ORDER BY i", connection);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("payloads", payloads.ToArray());
        await command.ExecuteNonQueryAsync(ct);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await Listener.DisposeAsync();
        await _listening.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

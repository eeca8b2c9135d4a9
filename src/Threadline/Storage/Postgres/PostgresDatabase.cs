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

    public PostgresDatabase(string connectionString, Queue.ProcessIdentity identity, ILoggerFactory loggers)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseLoggerFactory(loggers);
        DataSource = builder.Build();
        Node = identity.Owner;
        // Real time for its reconnection back-off, whatever clock the queue runs on.
        Listener = new PostgresChangeListener(DataSource, Changes, Node, TimeProvider.System, loggers.CreateLogger<PostgresChangeListener>());
        var where = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"PostgreSQL at {where.Host}:{where.Port}/{where.Database}";
    }

    public NpgsqlDataSource DataSource { get; }

    public ChangeFeed Changes { get; } = new();

    public PostgresChangeListener Listener { get; }

    /// <summary>This node's name in notifications (its own are not heard again).</summary>
    public string Node { get; }

    public string Description { get; }

    /// <summary>Sends notifications on <paramref name="channel"/> in one round trip, in order, outside any transaction.</summary>
    public async Task NotifyAsync(string channel, IReadOnlyList<string> payloads, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, p) FROM unnest(@payloads::text[]) WITH ORDINALITY AS n(p, i) ORDER BY i", connection);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("payloads", payloads.ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await Listener.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

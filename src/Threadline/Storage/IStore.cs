namespace Threadline.Storage;

/// <summary>
/// The database. Reads run on a pooled connection; each write is one transaction that is durable
/// before its task completes (I3), after which the changes it announced are published on
/// <see cref="Changes"/>. The rules of the queue are written once, over <see cref="IStoreSession"/>:
/// a dialect only runs SQL.
/// </summary>
internal interface IStore
{
    ValueTask<T> ReadAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct);

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction. It may be run more than once (a batch
    /// that fails is retried write by write), so it must keep its effects inside the session. A write
    /// made while a request holds an <c>Idempotency-Key</c> takes the key in the same transaction
    /// (every store runs its writes through <see cref="Idempotency.IdempotencyScope.Enlist"/>).
    /// </summary>
    Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct);

    /// <summary>What committed writes changed, in this process and (as a coarse wake) in others.</summary>
    ChangeFeed Changes { get; }

    /// <summary>Brings the schema up to date; safe when several processes start at once.</summary>
    Task MigrateAsync(CancellationToken ct);

    Task PingAsync(CancellationToken ct);

    /// <summary>Whether writes are being refused for want of space (reads may still answer).</summary>
    WriteHealth WriteHealth { get; }

    /// <summary>
    /// Commits a small write of its own (<see cref="WriteProbe"/>), to learn whether writes commit again
    /// while no client sends any; fails as a write would (<see cref="StorageFullException"/> while full).
    /// </summary>
    Task WriteProbeAsync(CancellationToken ct);

    /// <summary>A name for logs: the dialect and where its data lives.</summary>
    string Description { get; }
}

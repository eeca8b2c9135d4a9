using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Idempotency;

/// <summary>
/// The <c>Idempotency-Key</c> of the request being served, carried to the store: the first write
/// transaction of the request takes the key in the same transaction as its work, so the work and
/// the key commit together or not at all, and a concurrent copy of the request finds the key taken
/// (by a unique key, whatever the number of processes). The response is recorded afterwards with
/// the claim's token, in the one extra write a key costs.
/// </summary>
internal sealed class IdempotencyScope
{
    private static readonly AsyncLocal<IdempotencyScope?> CurrentScope = new();

    public static IdempotencyScope? Current
    {
        get => CurrentScope.Value;
        set => CurrentScope.Value = value;
    }

    public required string ProjectId { get; init; }
    public required string Operation { get; init; }
    public required string Key { get; init; }
    public required string RequestHash { get; init; }

    /// <summary>The process that holds the key while the request runs: it renews the lock with its leases.</summary>
    public required string Owner { get; init; }

    /// <summary>This request's claim: only the holder of the token records the response.</summary>
    public string Token { get; } = Guid.NewGuid().ToString("N");

    public required long LockMs { get; init; }
    public required long RetentionMs { get; init; }

    /// <summary>True once a write of this request committed with the key.</summary>
    public bool Committed { get; private set; }

    /// <summary>Run by the store inside a write transaction, before the work.</summary>
    public async ValueTask ClaimAsync(IStoreSession session)
    {
        if (Committed)
            return;
        var claimed = await session.Idempotency.IdempotencyClaimAsync(new IdempotencyClaim(
            ProjectId, Operation, Key, RequestHash, Owner, Token, session.NowMs, LockMs, RetentionMs));
        if (!claimed)
            throw new IdempotencyKeyTakenException(Key);
    }

    /// <summary>Called by the store after the transaction that claimed the key committed.</summary>
    public void MarkCommitted() => Committed = true;

    /// <summary>
    /// A write of the current request, enlisted in its key: the returned work takes the key first,
    /// inside the write's transaction; <c>Committed</c> is to be called once that transaction
    /// committed. Every dialect's store runs its writes through this (with no key, the work as is).
    /// </summary>
    public static (Func<IStoreSession, ValueTask<T>> Work, Action? Committed) Enlist<T>(Func<IStoreSession, ValueTask<T>> work)
    {
        if (Current is not { } scope)
            return (work, null);
        return (async session =>
        {
            await scope.ClaimAsync(session);
            return await work(session);
        }, scope.MarkCommitted);
    }
}

/// <summary>Another request holds (or recorded) the key: the work of this one must not happen.</summary>
internal sealed class IdempotencyKeyTakenException(string key) : Exception($"The idempotency key '{key}' is held by another request.");

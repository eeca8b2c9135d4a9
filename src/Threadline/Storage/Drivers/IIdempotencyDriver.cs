namespace Threadline.Storage.Drivers;

internal interface IIdempotencyDriver
{
    ValueTask<IdempotencyRecord?> IdempotencyGetAsync(string projectId, string operation, string key);

    /// <summary>
    /// Takes the key for the work of this transaction: true when it was free (or its record had
    /// expired); false when another request holds or recorded it.
    /// </summary>
    ValueTask<bool> IdempotencyClaimAsync(IdempotencyClaim claim);

    /// <summary>Records the response of the request that holds the key (by its token), or makes the record when the request wrote nothing.</summary>
    ValueTask IdempotencyCompleteAsync(IdempotencyComplete complete);

    /// <summary>Extends the locks of the keys this process holds in flight.</summary>
    ValueTask<int> IdempotencyRenewAsync(string owner, long nowMs, long lockMs);

    ValueTask<int> IdempotencyPurgeAsync(long nowMs);
}

internal sealed record IdempotencyRecord(string RequestHash, bool Done, long? LockedUntilMs, long ExpiresAtMs, RecordedResponse? Response);

internal sealed record RecordedResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body);

internal sealed record IdempotencyClaim(
    string ProjectId, string Operation, string Key, string RequestHash, string Owner, string Token, long NowMs, long LockMs, long RetentionMs);

internal sealed record IdempotencyComplete(
    string ProjectId, string Operation, string Key, string RequestHash, string Token, long NowMs, long RetentionMs, RecordedResponse Response);

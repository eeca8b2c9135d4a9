namespace Threadline.Idempotency;

/// <summary>Bound from <c>Threadline:Idempotency</c>.</summary>
internal sealed class IdempotencyOptions
{
    public const string Section = "Threadline:Idempotency";
    public const int MaxKeyLength = 255;

    /// <summary>How long a key replays its first response. Default 24 h.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a key stays locked by a request that has not finished; its process renews the lock
    /// while the request runs (a long stream), so it lapses only when that process died. A retry
    /// after that learns the work was done (409 <c>idempotency_key_interrupted</c>), never does it
    /// again. Default 60 s.
    /// </summary>
    public TimeSpan InFlightLock { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often expired keys (and webhook events past their retention) are deleted. Default 10 min.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The first problem with these options, or null when they are usable.</summary>
    public string? Problem() =>
        Retention < TimeSpan.FromSeconds(1) ? "Threadline:Idempotency:Retention must be at least 1 s."
        : InFlightLock < TimeSpan.FromMilliseconds(100) ? "Threadline:Idempotency:InFlightLock must be at least 100 ms."
        : PurgeInterval < TimeSpan.FromSeconds(1) ? "Threadline:Idempotency:PurgeInterval must be at least 1 s."
        : null;
}

namespace Threadline.Idempotency;

/// <summary>Bound from <c>Threadline:Idempotency</c>.</summary>
internal sealed class IdempotencyOptions
{
    public const string Section = "Threadline:Idempotency";
    public const int MaxKeyLength = 255;

    /// <summary>How long a key replays its first response. Default 24 h.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a key stays locked by a request that has not finished; a retry after that (the first
    /// request's process died) does the work again. Default 60 s.
    /// </summary>
    public TimeSpan InFlightLock { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often expired keys are deleted. Default 10 min.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);
}

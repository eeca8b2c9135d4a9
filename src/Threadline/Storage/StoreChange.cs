namespace Threadline.Storage;

/// <summary>What a committed write changed, for the loops that wait on it.</summary>
internal enum ChangeTopic
{
    /// <summary>A run may have become claimable, or a queue deadline (debounce, lease, expiry) moved.</summary>
    Queue,

    /// <summary>Webhook deliveries were recorded, replayed or unblocked.</summary>
    Outbox,

    /// <summary>A run's state changed (<see cref="StoreChange.RunId"/>): streams following it look again.</summary>
    Run,

    /// <summary>Files were queued for indexing, or an indexing lease moved (last: the numbers travel between nodes).</summary>
    Indexing,
}

internal readonly record struct StoreChange(ChangeTopic Topic, string? RunId = null)
{
    public static readonly StoreChange Queue = new(ChangeTopic.Queue);
    public static readonly StoreChange Outbox = new(ChangeTopic.Outbox);
    public static readonly StoreChange Indexing = new(ChangeTopic.Indexing);

    public static StoreChange Run(string runId) => new(ChangeTopic.Run, runId);
}

using System.Collections.Concurrent;

namespace WhatsAppBridge.Threadline;

internal enum EventClaim
{
    /// <summary>First time seen: handle it, then <see cref="ProcessedEvents.Complete"/> or <see cref="ProcessedEvents.Abandon"/>.</summary>
    Begun,

    /// <summary>Already handled: a redelivery (Threadline delivers at least once, with the same webhook-id).</summary>
    Done,

    /// <summary>Being handled by another request right now.</summary>
    InProgress,
}

/// <summary>
/// The webhook-ids this process has handled, so that a redelivered event does not send the reply twice.
/// </summary>
/// <remarks>
/// In memory, which is enough for one bridge instance that is not restarted while Threadline is
/// still retrying. Several instances, or a restart between a reply and its acknowledgement, need the
/// ids in a shared durable store (a unique key in a database table, or Redis <c>SET NX</c> with an expiry)
/// instead. Ids are kept a little longer than Threadline's retry schedule (about three days), then forgotten.
/// </remarks>
internal sealed class ProcessedEvents(TimeProvider time)
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(4);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(10);

    /// <summary>Per id: null while in progress, else when it was done.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset?> _ids = new(StringComparer.Ordinal);
    private DateTimeOffset _lastPrune = time.GetUtcNow();

    public EventClaim TryBegin(string webhookId)
    {
        while (true)
        {
            if (_ids.TryAdd(webhookId, null))
                return EventClaim.Begun;
            if (_ids.TryGetValue(webhookId, out var doneAt))
                return doneAt is null ? EventClaim.InProgress : EventClaim.Done;
            // Abandoned between the two calls: try to claim it again.
        }
    }

    public void Complete(string webhookId)
    {
        var now = time.GetUtcNow();
        _ids[webhookId] = now;
        Prune(now);
    }

    /// <summary>Handling failed: forget the id, so Threadline's retry is handled afresh.</summary>
    public void Abandon(string webhookId) => _ids.TryRemove(webhookId, out _);

    private void Prune(DateTimeOffset now)
    {
        if (now - _lastPrune < PruneEvery)
            return;
        _lastPrune = now;
        foreach (var (id, doneAt) in _ids)
        {
            if (doneAt is { } at && now - at > Retention)
                _ids.TryRemove(KeyValuePair.Create(id, doneAt));
        }
    }
}

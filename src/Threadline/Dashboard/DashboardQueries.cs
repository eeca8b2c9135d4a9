using Threadline.Webhooks;

namespace Threadline.Dashboard;

/// <summary>A page of a dashboard list, newest first; <paramref name="NextBefore"/> is the cursor of the next page, null on the last.</summary>
internal sealed record SeqPage<T>(IReadOnlyList<T> Items, long? NextBefore)
{
    public static readonly SeqPage<T> Empty = new([], null);
}

/// <summary>
/// Threads to list: every filter given must match. <paramref name="MetadataKey"/> and
/// <paramref name="MetadataValue"/> go together.
/// </summary>
internal sealed record ThreadQuery(string? Id, string? ExternalId, string? MetadataKey, string? MetadataValue, long? BeforeSeq, int Limit);

/// <summary>Runs to list: every filter given must match; the times bound <c>created_at_ms</c> (since inclusive, until exclusive).</summary>
internal sealed record RunQuery(string? Status, string? AssistantId, string? Model, long? SinceMs, long? UntilMs, long? BeforeSeq, int Limit);

internal sealed record DeliveryQuery(string? Status, string? EndpointId, long? BeforeSeq, int Limit);

/// <summary>
/// One minute of ended runs. Queue wait is <c>started_at_ms - created_at_ms</c> (what a user waits
/// before the model is called, debounce included); time to first token is
/// <c>first_token_at_ms - started_at_ms</c>. Averages and maxima over the runs that have the times.
/// </summary>
internal sealed record MinuteStats(
    long MinuteMs, int Completed, int Failed, int Other,
    double? AvgWaitMs, long? MaxWaitMs, double? AvgFirstTokenMs, long? MaxFirstTokenMs);

internal sealed record EndpointSummary(WebhookEndpoint Endpoint, long Pending);

/// <summary>A process holding leases, and the earliest of them to lapse (unix ms).</summary>
internal sealed record LeaseHolder(string Owner, int Runs, int Deliveries, int Files, long? NextLapseAtMs);

using Threadline.Domain;
using Threadline.Webhooks;

namespace Threadline.Storage.Drivers;

internal interface IWebhookDriver
{
    ValueTask WebhookEndpointInsertAsync(WebhookEndpoint endpoint);
    ValueTask<WebhookEndpoint?> WebhookEndpointGetAsync(string projectId, string endpointId);
    ValueTask<bool> WebhookEndpointUpdateAsync(WebhookEndpoint endpoint);
    ValueTask<bool> WebhookEndpointDeleteAsync(string projectId, string endpointId);
    ValueTask<Page<WebhookEndpoint>> WebhookEndpointListAsync(string projectId, PageRequest page);

    /// <summary>An endpoint declared in configuration: made once, then kept in step with the configuration.</summary>
    ValueTask WebhookEndpointUpsertConfiguredAsync(WebhookEndpoint endpoint);

    /// <summary>Whether the project has any enabled endpoint at all (most have none: one indexed look).</summary>
    ValueTask<bool> WebhookEndpointAnyEnabledAsync(string projectId);

    /// <summary>Whether any enabled endpoint of the project wants events of <paramref name="type"/>.</summary>
    ValueTask<bool> WebhookEndpointListensAsync(string projectId, string type);

    /// <summary>Records the event and a pending delivery for every enabled endpoint of the project that wants it.</summary>
    ValueTask<int> WebhookEventInsertAsync(WebhookEventInsert insert);

    ValueTask<Page<WebhookDelivery>> WebhookDeliveryListAsync(string projectId, string endpointId, PageRequest page);
    ValueTask<WebhookDelivery?> WebhookDeliveryReplayAsync(string projectId, string endpointId, string deliveryId, long nowMs);

    /// <summary>
    /// Claims due deliveries that may be sent now: the oldest pending event of each (endpoint, thread)
    /// first, and no more per endpoint than it has room for (its bound minus deliveries locked
    /// anywhere).
    /// </summary>
    ValueTask<IReadOnlyList<ClaimedDelivery>> WebhookDeliveryClaimAsync(DeliveryClaim claim);

    ValueTask WebhookDeliveryRecordAsync(DeliveryAttempt attempt);

    /// <summary>
    /// When a claim could next find something: the earliest due delivery that is neither locked, behind another
    /// of its thread, nor at an endpoint with <paramref name="perEndpoint"/> attempts under way; and the earliest lock to lapse.
    /// </summary>
    ValueTask<DeliveryDeadlines> WebhookDeliveryDeadlinesGetAsync(long nowMs, int perEndpoint);

    /// <summary>Deletes events created before <paramref name="beforeSeconds"/> whose deliveries have all ended, with those deliveries.</summary>
    ValueTask<int> WebhookEventPurgeAsync(long beforeSeconds, int max);
}

internal sealed record WebhookEventInsert(string Id, string ProjectId, string? ThreadId, string Type, long CreatedAt, byte[] Payload, long NowMs);

/// <summary>Claim up to <paramref name="Max"/> deliveries, at most <paramref name="PerEndpoint"/> in flight per endpoint, locked until now + lock.</summary>
internal sealed record DeliveryClaim(string Owner, long NowMs, long LockMs, int Max, int PerEndpoint);

internal sealed record ClaimedDelivery(WebhookDelivery Delivery, WebhookEndpoint Endpoint);

/// <summary>
/// The result of one attempt: <paramref name="Succeeded"/>, or a next attempt at <paramref name="NextAttemptAtMs"/>,
/// or none (gave up); <paramref name="DisableEndpoint"/> when the receiver answered 410 Gone.
/// </summary>
internal sealed record DeliveryAttempt(
    string DeliveryId, string Owner, long NowMs, bool Succeeded, int? StatusCode, string? Error, long? NextAttemptAtMs, bool DisableEndpoint);

internal sealed record DeliveryDeadlines(long? NextDueAtMs, long? NextLockLapseAtMs);

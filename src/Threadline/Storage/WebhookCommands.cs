using Threadline.Webhooks;

namespace Threadline.Storage;

/// <summary>
/// Claim up to <paramref name="Max"/> deliveries that are due, the oldest event first; a delivery waits
/// while an earlier event of the same thread is still pending for the same endpoint.
/// </summary>
internal sealed record DeliveryClaim(string Owner, long NowMs, long LockMs, int Max);

internal sealed record ClaimedDelivery(WebhookDelivery Delivery, WebhookEndpoint Endpoint);

/// <summary>
/// The result of one attempt: <paramref name="Succeeded"/>, or a next attempt at <paramref name="NextAttemptAtMs"/>,
/// or none (gave up); <paramref name="DisableEndpoint"/> when the receiver answered 410 Gone.
/// </summary>
internal sealed record DeliveryAttempt(
    string DeliveryId, string Owner, long NowMs, bool Succeeded, int? StatusCode, string? Error, long? NextAttemptAtMs, bool DisableEndpoint);

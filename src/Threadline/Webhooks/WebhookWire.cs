using System.Text.Json.Serialization;
using Threadline.Domain;

namespace Threadline.Webhooks;

/// <summary>
/// The <c>webhook_endpoint</c> object; <c>secret</c> appears only in the answer that made it (create,
/// rotation). An <c>Idempotency-Key</c> replay of that answer has <c>secret_note</c> in its place.
/// </summary>
internal sealed record WebhookEndpointObject(
    string Id, long CreatedAt, string Url, string? Description, IReadOnlyList<string> Events, bool Enabled,
    string? DisabledReason, RawJson Metadata, bool Configured)
{
    [JsonPropertyOrder(-1)] public string Object => "webhook_endpoint";

    public const string ReplayedSecretNote =
        "This is a replay of an earlier request with the same Idempotency-Key. The secret was shown only in that first response and is not kept; "
        + "if it was lost, make a new one with 'rotate_secret': true.";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SecretNote { get; init; }

    public static WebhookEndpointObject From(WebhookEndpoint e) =>
        new(e.Id, e.CreatedAt, e.Url, e.Description, e.Events, e.Enabled, e.DisabledReason, e.Metadata, e.ConfigName is not null);
}

internal sealed record WebhookDeliveryObject(
    string Id, string EventId, string EventType, string EndpointId, string? ThreadId, string Status, int Attempts,
    long? NextAttemptAt, long? LastAttemptAt, int? LastStatusCode, string? LastError, long CreatedAt, long? DeliveredAt)
{
    [JsonPropertyOrder(-1)] public string Object => "webhook_delivery";

    public static WebhookDeliveryObject From(WebhookDelivery d) => new(
        d.Id, d.EventId, d.EventType, d.EndpointId, d.ThreadId, d.Status, d.Attempts,
        d.Status == DeliveryStatus.Pending ? d.NextAttemptAtMs / 1000 : null, d.LastAttemptAtMs / 1000, d.LastStatusCode,
        d.LastError, d.CreatedAtMs / 1000, d.DeliveredAtMs / 1000);
}

internal sealed class WebhookEndpointRequest
{
    public string? Url { get; init; }
    public string? Description { get; init; }
    public List<string>? Events { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }

    /// <summary>On create: a <c>whsec_</c> secret of your own (default: one is made).</summary>
    public string? Secret { get; init; }

    /// <summary>On update: turn delivery on or off.</summary>
    public bool? Enabled { get; init; }

    /// <summary>On update: make a new secret; the old one keeps signing for the overlap period.</summary>
    public bool? RotateSecret { get; init; }
}

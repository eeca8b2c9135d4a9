using Threadline.Domain;

namespace Threadline.Webhooks;

/// <summary>A receiver of events: a URL, the <c>whsec_</c> secret that signs them, and the event types it wants.</summary>
internal sealed record WebhookEndpoint
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required long CreatedAt { get; init; }
    public required string Url { get; init; }
    public string? Description { get; init; }

    /// <summary>Event types to deliver; empty means all.</summary>
    public required IReadOnlyList<string> Events { get; init; }

    /// <summary>As stored: encrypted (<see cref="WebhookSecretProtector"/>), or plain in rows written before secrets were.</summary>
    public required string Secret { get; init; }

    /// <summary>As stored, like <see cref="Secret"/>.</summary>
    public string? PreviousSecret { get; init; }
    public long? PreviousSecretExpiresAtMs { get; init; }
    public bool Enabled { get; init; } = true;
    public string? DisabledReason { get; init; }
    public required RawJson Metadata { get; init; }
    public string? ConfigName { get; init; }
}

/// <summary>An endpoint as saved, with the secret the save made in plain text (create, rotation): the one time it is shown.</summary>
internal sealed record SavedEndpoint(WebhookEndpoint Endpoint, string? NewSecret);

/// <summary>One event on its way to one endpoint.</summary>
internal sealed record WebhookDelivery
{
    public required string Id { get; init; }
    public required string EventId { get; init; }
    public required string EventType { get; init; }
    public required string EndpointId { get; init; }
    public string? ThreadId { get; init; }
    public required string Status { get; init; }
    public int Attempts { get; init; }
    public long NextAttemptAtMs { get; init; }
    public long? LastAttemptAtMs { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
    public long CreatedAtMs { get; init; }
    public long? DeliveredAtMs { get; init; }

    /// <summary>The exact body every attempt sends (the signature covers it).</summary>
    public byte[] Payload { get; init; } = [];
}

internal static class WebhookEventTypes
{
    public const string RunCompleted = "thread.run.completed";
    public const string RunFailed = "thread.run.failed";
    public const string RunRequiresAction = "thread.run.requires_action";
    public const string RunCancelled = "thread.run.cancelled";
    public const string RunExpired = "thread.run.expired";
    public const string RunIncomplete = "thread.run.incomplete";
    public const string MessageCompleted = "thread.message.completed";

    // A response's end (a run made through the Responses API), as the hosted API named them.
    public const string ResponseCompleted = "response.completed";
    public const string ResponseFailed = "response.failed";
    public const string ResponseCancelled = "response.cancelled";
    public const string ResponseIncomplete = "response.incomplete";

    public static readonly IReadOnlyList<string> All =
        [RunCompleted, RunFailed, RunRequiresAction, RunCancelled, RunExpired, RunIncomplete, MessageCompleted,
         ResponseCompleted, ResponseFailed, ResponseCancelled, ResponseIncomplete];

    public static string ForRunStatus(string status) => "thread.run." + status;

    /// <summary>The event of a response that ended; null while it has not.</summary>
    public static string? ForResponseStatus(string status) =>
        Runs.RunStatus.IsTerminal(status) ? "response." + Responses.ResponseObject.StatusOf(status) : null;
}

internal static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

using Threadline.Domain;

namespace Threadline.Webhooks;

/// <summary>An endpoint's settings as a request gave them, validated; null means "not given" (an update keeps the current value).</summary>
internal sealed record WebhookEndpointSettings
{
    public string? Url { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string>? Events { get; init; }
    public RawJson? Metadata { get; init; }

    /// <summary>On create: a <c>whsec_</c> secret of the caller's (default: one is made).</summary>
    public string? Secret { get; init; }

    /// <summary>On update: turn delivery on or off.</summary>
    public bool? Enabled { get; init; }

    /// <summary>On update: make a new secret; the old one keeps signing for the overlap period.</summary>
    public bool RotateSecret { get; init; }
}

using Threadline.Api;
using Threadline.Domain;
using Threadline.Storage;

namespace Threadline.Webhooks;

internal sealed class WebhookEndpointService(IStore store, WebhookOptions options, TimeProvider time)
{
    public async Task<WebhookEndpoint> CreateAsync(string projectId, WebhookEndpointRequest r, CancellationToken ct)
    {
        Check(r);
        if (r.Enabled is not null || r.RotateSecret is not null)
            throw ApiException.Invalid("'enabled' and 'rotate_secret' apply to updates only.", r.Enabled is not null ? "enabled" : "rotate_secret");
        var endpoint = new WebhookEndpoint
        {
            Id = Ids.New("we"),
            ProjectId = projectId,
            CreatedAt = time.UnixSeconds(),
            Url = Validate.Required(r.Url, "url"),
            Description = r.Description,
            Events = r.Events ?? [],
            Secret = r.Secret ?? WebhookSigner.NewSecret(),
            Metadata = RawJson.From(r.Metadata),
        };
        await store.WriteAsync(async s => { await s.Webhooks.WebhookEndpointInsertAsync(endpoint); return true; }, ct);
        return endpoint;
    }

    public async Task<WebhookEndpoint> GetAsync(string projectId, string endpointId, CancellationToken ct) =>
        await store.ReadAsync(s => s.Webhooks.WebhookEndpointGetAsync(projectId, endpointId), ct) ?? throw ApiException.NoSuch("webhook endpoint", endpointId);

    public async Task<(WebhookEndpoint Endpoint, bool Rotated)> UpdateAsync(string projectId, string endpointId, WebhookEndpointRequest r, CancellationToken ct)
    {
        Check(r);
        if (r.Secret is not null)
            throw ApiException.Invalid("The secret cannot be set on update; use 'rotate_secret': true.", "secret");
        var current = await GetAsync(projectId, endpointId, ct);
        var rotate = r.RotateSecret == true;
        var updated = current with
        {
            Url = r.Url ?? current.Url,
            Description = r.Description ?? current.Description,
            Events = r.Events ?? current.Events,
            Metadata = r.Metadata is null ? current.Metadata : RawJson.From(r.Metadata),
            Enabled = r.Enabled ?? current.Enabled,
            DisabledReason = r.Enabled == true ? null : current.DisabledReason,
            Secret = rotate ? WebhookSigner.NewSecret() : current.Secret,
            PreviousSecret = rotate ? current.Secret : current.PreviousSecret,
            PreviousSecretExpiresAtMs = rotate ? time.UnixMilliseconds() + (long)options.SecretRotationOverlap.TotalMilliseconds : current.PreviousSecretExpiresAtMs,
        };
        if (!await store.WriteAsync(async s =>
            {
                var changed = await s.Webhooks.WebhookEndpointUpdateAsync(updated);
                s.Announce(StoreChange.Outbox); // an endpoint enabled again has deliveries to send
                return changed;
            }, ct))
            throw ApiException.NoSuch("webhook endpoint", endpointId);
        return (updated, rotate);
    }

    public async Task DeleteAsync(string projectId, string endpointId, CancellationToken ct)
    {
        if (!await store.WriteAsync(s => s.Webhooks.WebhookEndpointDeleteAsync(projectId, endpointId), ct))
            throw ApiException.NoSuch("webhook endpoint", endpointId);
    }

    public ValueTask<Page<WebhookEndpoint>> ListAsync(string projectId, PageRequest page, CancellationToken ct) =>
        store.ReadAsync(s => s.Webhooks.WebhookEndpointListAsync(projectId, page), ct);

    public async Task<Page<WebhookDelivery>> DeliveriesAsync(string projectId, string endpointId, PageRequest page, CancellationToken ct)
    {
        await GetAsync(projectId, endpointId, ct);
        return await store.ReadAsync(s => s.Webhooks.WebhookDeliveryListAsync(projectId, endpointId, page), ct);
    }

    public async Task<WebhookDelivery> ReplayAsync(string projectId, string endpointId, string deliveryId, CancellationToken ct)
    {
        await GetAsync(projectId, endpointId, ct);
        return await store.WriteAsync(async s =>
            {
                var replayed = await s.Webhooks.WebhookDeliveryReplayAsync(projectId, endpointId, deliveryId, s.NowMs);
                s.Announce(StoreChange.Outbox);
                return replayed;
            }, ct) ?? throw ApiException.NoSuch("webhook delivery", deliveryId);
    }

    /// <summary>Makes or refreshes the endpoints declared in configuration.</summary>
    public async Task SyncConfiguredAsync(CancellationToken ct)
    {
        foreach (var c in options.Endpoints)
        {
            if (string.IsNullOrWhiteSpace(c.Name) || !IsHttpUrl(c.Url) || !WebhookSigner.IsValidSecret(c.Secret))
                throw new InvalidOperationException($"Threadline:Webhooks:Endpoints: endpoint '{c.Name}' needs a Name, an http(s) Url and a whsec_ Secret.");
            var endpoint = new WebhookEndpoint
            {
                Id = Ids.New("we"), ProjectId = c.Project, CreatedAt = time.UnixSeconds(), Url = c.Url, Description = $"configured: {c.Name}",
                Events = c.Events, Secret = c.Secret, Metadata = RawJson.EmptyObject, ConfigName = c.Name,
            };
            await store.WriteAsync(async s => { await s.Webhooks.WebhookEndpointUpsertConfiguredAsync(endpoint); return true; }, ct);
        }
    }

    private static void Check(WebhookEndpointRequest r)
    {
        if (r.Url is not null && !IsHttpUrl(r.Url))
            throw ApiException.Invalid($"Invalid 'url': '{r.Url}' is not an absolute http or https URL.", "url", "invalid_value");
        Validate.MaxLength(r.Description, 512, "description");
        Validate.Metadata(r.Metadata);
        if (r.Events is { } events)
            for (var i = 0; i < events.Count; i++)
                Validate.OneOf(events[i], $"events[{i}]", WebhookEventTypes.All.ToArray());
        if (r.Secret is not null && !WebhookSigner.IsValidSecret(r.Secret))
            throw ApiException.Invalid("Invalid 'secret': expected 'whsec_' followed by at least 16 base64-encoded bytes.", "secret", "invalid_value");
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);
}

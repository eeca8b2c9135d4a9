using Threadline.Domain;
using Threadline.Storage;

namespace Threadline.Webhooks;

internal sealed class WebhookEndpointService(IStore store, WebhookOptions options, WebhookSecretProtector secrets, TimeProvider time)
{
    /// <summary>Makes an endpoint; <see cref="WebhookEndpointSettings.Url"/> is required.</summary>
    public async Task<SavedEndpoint> CreateAsync(string projectId, WebhookEndpointSettings r, CancellationToken ct)
    {
        var secret = r.Secret ?? WebhookSigner.NewSecret();
        var endpoint = new WebhookEndpoint
        {
            Id = Ids.New("we"),
            ProjectId = projectId,
            CreatedAt = time.UnixSeconds(),
            Url = r.Url ?? throw new ArgumentException("An endpoint needs a URL.", nameof(r)),
            Description = r.Description,
            Events = r.Events ?? [],
            Secret = secrets.Protect(secret),
            Metadata = r.Metadata ?? RawJson.EmptyObject,
        };
        await store.WriteAsync(async s => { await s.Webhooks.WebhookEndpointInsertAsync(endpoint); return true; }, ct);
        return new SavedEndpoint(endpoint, secret);
    }

    public async Task<Outcome<WebhookEndpoint>> GetAsync(string projectId, string endpointId, CancellationToken ct) =>
        await store.ReadAsync(s => s.Webhooks.WebhookEndpointGetAsync(projectId, endpointId), ct) is { } endpoint
            ? endpoint
            : new NotFound("webhook endpoint", endpointId);

    /// <returns>The endpoint as updated, with its new secret when <see cref="WebhookEndpointSettings.RotateSecret"/> was asked.</returns>
    public Task<Outcome<SavedEndpoint>> UpdateAsync(string projectId, string endpointId, WebhookEndpointSettings r, CancellationToken ct) =>
        store.WriteAsync<Outcome<SavedEndpoint>>(async s =>
        {
            if (await s.Webhooks.WebhookEndpointGetAsync(projectId, endpointId) is not { } current)
                return new NotFound("webhook endpoint", endpointId);
            var newSecret = r.RotateSecret ? WebhookSigner.NewSecret() : null;
            var updated = current with
            {
                Url = r.Url ?? current.Url,
                Description = r.Description ?? current.Description,
                Events = r.Events ?? current.Events,
                Metadata = r.Metadata ?? current.Metadata,
                Enabled = r.Enabled ?? current.Enabled,
                DisabledReason = r.Enabled == true ? null : current.DisabledReason,
                // Any change encrypts a secret stored plain by an older version.
                Secret = newSecret is not null ? secrets.Protect(newSecret) : secrets.Seal(current.Secret),
                PreviousSecret = (r.RotateSecret ? current.Secret : current.PreviousSecret) is { } previous ? secrets.Seal(previous) : null,
                PreviousSecretExpiresAtMs = r.RotateSecret ? s.NowMs + (long)options.SecretRotationOverlap.TotalMilliseconds : current.PreviousSecretExpiresAtMs,
            };
            await s.Webhooks.WebhookEndpointUpdateAsync(updated);
            s.Announce(StoreChange.Outbox); // an endpoint enabled again has deliveries to send
            return new SavedEndpoint(updated, newSecret);
        }, ct);

    public async Task<Outcome<bool>> DeleteAsync(string projectId, string endpointId, CancellationToken ct) =>
        await store.WriteAsync(s => s.Webhooks.WebhookEndpointDeleteAsync(projectId, endpointId), ct) ? true : new NotFound("webhook endpoint", endpointId);

    public ValueTask<Page<WebhookEndpoint>> ListAsync(string projectId, PageRequest page, CancellationToken ct) =>
        store.ReadAsync(s => s.Webhooks.WebhookEndpointListAsync(projectId, page), ct);

    public async Task<Outcome<Page<WebhookDelivery>>> DeliveriesAsync(string projectId, string endpointId, PageRequest page, CancellationToken ct) =>
        await store.ReadAsync<Outcome<Page<WebhookDelivery>>>(async s =>
            await s.Webhooks.WebhookEndpointGetAsync(projectId, endpointId) is null
                ? new NotFound("webhook endpoint", endpointId)
                : await s.Webhooks.WebhookDeliveryListAsync(projectId, endpointId, page), ct);

    /// <summary>Sends a delivery again, with the same event id, as soon as the dispatcher can.</summary>
    public Task<Outcome<WebhookDelivery>> ReplayAsync(string projectId, string endpointId, string deliveryId, CancellationToken ct) =>
        store.WriteAsync<Outcome<WebhookDelivery>>(async s =>
        {
            if (await s.Webhooks.WebhookEndpointGetAsync(projectId, endpointId) is null)
                return new NotFound("webhook endpoint", endpointId);
            if (await s.Webhooks.WebhookDeliveryReplayAsync(projectId, endpointId, deliveryId, s.NowMs) is not { } replayed)
                return new NotFound("webhook delivery", deliveryId);
            s.Announce(StoreChange.Outbox);
            return replayed;
        }, ct);

    /// <summary>Makes or refreshes the endpoints declared in configuration (checked at start-up, <see cref="WebhookOptions.Problem"/>).</summary>
    public async Task SyncConfiguredAsync(CancellationToken ct)
    {
        foreach (var c in options.Endpoints)
        {
            var endpoint = new WebhookEndpoint
            {
                Id = Ids.New("we"), ProjectId = c.Project, CreatedAt = time.UnixSeconds(), Url = c.Url, Description = $"configured: {c.Name}",
                Events = c.Events, Secret = secrets.Protect(c.Secret), Metadata = RawJson.EmptyObject, ConfigName = c.Name,
            };
            await store.WriteAsync(async s => { await s.Webhooks.WebhookEndpointUpsertConfiguredAsync(endpoint); return true; }, ct);
        }
    }
}

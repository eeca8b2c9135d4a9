using Threadline.Api;
using Threadline.Assistants;
using Threadline.Auth;
using Threadline.Domain;
using Threadline.Idempotency;

namespace Threadline.Webhooks;

internal static class WebhookEndpoints
{
    public static void MapWebhooks(this IEndpointRouteBuilder api)
    {
        api.MapPost("/webhook_endpoints", async (HttpContext http, WebhookEndpointService endpoints, WebhookDestinationPolicy destinations) =>
        {
            var request = await RequestBody.ReadAsync<WebhookEndpointRequest>(http.Request);
            if (request.Enabled is not null || request.RotateSecret is not null)
                throw ApiException.Invalid("'enabled' and 'rotate_secret' apply to updates only.", request.Enabled is not null ? "enabled" : "rotate_secret");
            Validate.Required(request.Url, "url");
            return Answer(http, await endpoints.CreateAsync(http.ProjectId(), Settings(request, destinations), http.RequestAborted));
        });

        api.MapGet("/webhook_endpoints", async (HttpContext http, WebhookEndpointService endpoints) =>
            Wire.List(await endpoints.ListAsync(http.ProjectId(), ListQuery.Read(http.Request), http.RequestAborted), e => WebhookEndpointObject.From(e), e => e.Id));

        api.MapGet("/webhook_endpoints/{endpointId}", async (string endpointId, HttpContext http, WebhookEndpointService endpoints) =>
            Wire.Json(WebhookEndpointObject.From((await endpoints.GetAsync(http.ProjectId(), endpointId, http.RequestAborted)).OrThrow())));

        api.MapPost("/webhook_endpoints/{endpointId}", async (string endpointId, HttpContext http, WebhookEndpointService endpoints, WebhookDestinationPolicy destinations) =>
        {
            var request = await RequestBody.ReadAsync<WebhookEndpointRequest>(http.Request);
            if (request.Secret is not null)
                throw ApiException.Invalid("The secret cannot be set on update; use 'rotate_secret': true.", "secret");
            return Answer(http, (await endpoints.UpdateAsync(http.ProjectId(), endpointId, Settings(request, destinations), http.RequestAborted)).OrThrow());
        });

        api.MapDelete("/webhook_endpoints/{endpointId}", async (string endpointId, HttpContext http, WebhookEndpointService endpoints) =>
        {
            (await endpoints.DeleteAsync(http.ProjectId(), endpointId, http.RequestAborted)).OrThrow();
            return Wire.Json(new DeletedObject(endpointId, "webhook_endpoint.deleted", true));
        });

        api.MapGet("/webhook_endpoints/{endpointId}/deliveries", async (string endpointId, HttpContext http, WebhookEndpointService endpoints) =>
            Wire.List((await endpoints.DeliveriesAsync(http.ProjectId(), endpointId, ListQuery.Read(http.Request), http.RequestAborted)).OrThrow(),
                WebhookDeliveryObject.From, d => d.Id));

        api.MapPost("/webhook_endpoints/{endpointId}/deliveries/{deliveryId}/replay", async (string endpointId, string deliveryId, HttpContext http, WebhookEndpointService endpoints) =>
        {
            await RequestBody.ReadAsync<NoFieldsRequest>(http.Request);
            return Wire.Json(WebhookDeliveryObject.From((await endpoints.ReplayAsync(http.ProjectId(), endpointId, deliveryId, http.RequestAborted)).OrThrow()));
        });
    }

    /// <summary>The saved endpoint, with its new secret if it has one; a replay of the request answers a note in the secret's place.</summary>
    private static IResult Answer(HttpContext http, SavedEndpoint saved)
    {
        var endpoint = WebhookEndpointObject.From(saved.Endpoint);
        if (saved.NewSecret is null)
            return Wire.Json(endpoint);
        ReplayBody.Substitute(http, endpoint with { SecretNote = WebhookEndpointObject.ReplayedSecretNote });
        return Wire.Json(endpoint with { Secret = saved.NewSecret });
    }

    /// <summary>Validates a create or update body into settings.</summary>
    private static WebhookEndpointSettings Settings(WebhookEndpointRequest r, WebhookDestinationPolicy destinations)
    {
        if (r.Url is not null && !IsHttpUrl(r.Url))
            throw ApiException.Invalid($"Invalid 'url': '{r.Url}' is not an absolute http or https URL.", "url", "invalid_value");
        if (r.Url is not null && destinations.Refusal(new Uri(r.Url)) is { } refusal)
            throw ApiException.Invalid("Invalid 'url': " + refusal, "url", "destination_not_allowed");
        Validate.MaxLength(r.Description, 512, "description");
        Validate.Metadata(r.Metadata);
        if (r.Events is { } events)
            for (var i = 0; i < events.Count; i++)
                Validate.OneOf(events[i], $"events[{i}]", WebhookEventTypes.All.ToArray());
        if (r.Secret is not null && !WebhookSigner.IsValidSecret(r.Secret))
            throw ApiException.Invalid("Invalid 'secret': expected 'whsec_' followed by at least 16 base64-encoded bytes.", "secret", "invalid_value");
        return new WebhookEndpointSettings
        {
            Url = r.Url,
            Description = r.Description,
            Events = r.Events,
            Metadata = r.Metadata is null ? null : RawJson.From(r.Metadata),
            Secret = r.Secret,
            Enabled = r.Enabled,
            RotateSecret = r.RotateSecret == true,
        };
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);
}

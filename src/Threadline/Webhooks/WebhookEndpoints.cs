using Threadline.Api;
using Threadline.Assistants;
using Threadline.Auth;

namespace Threadline.Webhooks;

internal static class WebhookEndpoints
{
    public static void MapWebhooks(this IEndpointRouteBuilder api)
    {
        api.MapPost("/webhook_endpoints", async (HttpContext http, WebhookEndpointService endpoints) =>
            Wire.Json(WebhookEndpointObject.From(await endpoints.CreateAsync(http.ProjectId(), await RequestBody.ReadAsync<WebhookEndpointRequest>(http.Request), http.RequestAborted), withSecret: true)));

        api.MapGet("/webhook_endpoints", async (HttpContext http, WebhookEndpointService endpoints) =>
            Wire.List(await endpoints.ListAsync(http.ProjectId(), ListQuery.Read(http.Request), http.RequestAborted), e => WebhookEndpointObject.From(e), e => e.Id));

        api.MapGet("/webhook_endpoints/{endpointId}", async (string endpointId, HttpContext http, WebhookEndpointService endpoints) =>
            Wire.Json(WebhookEndpointObject.From(await endpoints.GetAsync(http.ProjectId(), endpointId, http.RequestAborted))));

        api.MapPost("/webhook_endpoints/{endpointId}", async (string endpointId, HttpContext http, WebhookEndpointService endpoints) =>
        {
            var (endpoint, rotated) = await endpoints.UpdateAsync(http.ProjectId(), endpointId, await RequestBody.ReadAsync<WebhookEndpointRequest>(http.Request), http.RequestAborted);
            return Wire.Json(WebhookEndpointObject.From(endpoint, withSecret: rotated));
        });

        api.MapDelete("/webhook_endpoints/{endpointId}", async (string endpointId, HttpContext http, WebhookEndpointService endpoints) =>
        {
            await endpoints.DeleteAsync(http.ProjectId(), endpointId, http.RequestAborted);
            return Wire.Json(new DeletedObject(endpointId, "webhook_endpoint.deleted", true));
        });

        api.MapGet("/webhook_endpoints/{endpointId}/deliveries", async (string endpointId, HttpContext http, WebhookEndpointService endpoints) =>
            Wire.List(await endpoints.DeliveriesAsync(http.ProjectId(), endpointId, ListQuery.Read(http.Request), http.RequestAborted), WebhookDeliveryObject.From, d => d.Id));

        api.MapPost("/webhook_endpoints/{endpointId}/deliveries/{deliveryId}/replay", async (string endpointId, string deliveryId, HttpContext http, WebhookEndpointService endpoints) =>
            Wire.Json(WebhookDeliveryObject.From(await endpoints.ReplayAsync(http.ProjectId(), endpointId, deliveryId, http.RequestAborted))));
    }
}

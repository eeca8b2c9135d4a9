using Threadline.Api;
using Threadline.Auth;

namespace Threadline.Assistants;

internal static class AssistantEndpoints
{
    public static void MapAssistants(this IEndpointRouteBuilder api)
    {
        api.MapPost("/assistants", async (HttpContext http, AssistantService assistants) =>
            AssistantObject.From(await assistants.CreateAsync(http.ProjectId(), await RequestBody.ReadAsync<AssistantRequest>(http.Request), http.RequestAborted)));

        api.MapGet("/assistants", async (HttpContext http, AssistantService assistants) =>
            ListResponse<AssistantObject>.From(await assistants.ListAsync(http.ProjectId(), ListQuery.Read(http.Request), http.RequestAborted), AssistantObject.From, a => a.Id));

        api.MapGet("/assistants/{assistantId}", async (string assistantId, HttpContext http, AssistantService assistants) =>
            AssistantObject.From(await assistants.GetAsync(http.ProjectId(), assistantId, http.RequestAborted)));

        api.MapPost("/assistants/{assistantId}", async (string assistantId, HttpContext http, AssistantService assistants) =>
            AssistantObject.From(await assistants.ModifyAsync(http.ProjectId(), assistantId, await RequestBody.ReadAsync<AssistantRequest>(http.Request), http.RequestAborted)));

        api.MapDelete("/assistants/{assistantId}", async (string assistantId, HttpContext http, AssistantService assistants) =>
        {
            await assistants.DeleteAsync(http.ProjectId(), assistantId, http.RequestAborted);
            return new DeletedObject(assistantId, "assistant.deleted", true);
        });
    }
}

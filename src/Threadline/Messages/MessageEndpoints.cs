using Threadline.Api;
using Threadline.Assistants;
using Threadline.Auth;

namespace Threadline.Messages;

internal static class MessageEndpoints
{
    public static void MapMessages(this IEndpointRouteBuilder api)
    {
        api.MapPost("/threads/{threadId}/messages", async (string threadId, HttpContext http, MessageService messages) =>
            MessageObject.From(await messages.CreateAsync(http.ProjectId(), threadId, await RequestBody.ReadAsync<MessageRequest>(http.Request), http.RequestAborted)));

        api.MapGet("/threads/{threadId}/messages", async (string threadId, HttpContext http, MessageService messages) =>
        {
            var runId = http.Request.Query["run_id"].ToString();
            var page = await messages.ListAsync(http.ProjectId(), threadId, runId.Length == 0 ? null : runId, ListQuery.Read(http.Request), http.RequestAborted);
            return ListResponse<MessageObject>.From(page, MessageObject.From, m => m.Id);
        });

        api.MapGet("/threads/{threadId}/messages/{messageId}", async (string threadId, string messageId, HttpContext http, MessageService messages) =>
            MessageObject.From(await messages.GetAsync(http.ProjectId(), threadId, messageId, http.RequestAborted)));

        api.MapPost("/threads/{threadId}/messages/{messageId}", async (string threadId, string messageId, HttpContext http, MessageService messages) =>
            MessageObject.From(await messages.ModifyAsync(http.ProjectId(), threadId, messageId, await RequestBody.ReadAsync<MetadataRequest>(http.Request), http.RequestAborted)));

        api.MapDelete("/threads/{threadId}/messages/{messageId}", async (string threadId, string messageId, HttpContext http, MessageService messages) =>
        {
            await messages.DeleteAsync(http.ProjectId(), threadId, messageId, http.RequestAborted);
            return new DeletedObject(messageId, "thread.message.deleted", true);
        });
    }
}

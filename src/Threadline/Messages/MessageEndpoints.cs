using Threadline.Api;
using Threadline.Auth;
using Threadline.Domain;

namespace Threadline.Messages;

internal static class MessageEndpoints
{
    public static void MapMessages(this IEndpointRouteBuilder api)
    {
        api.MapPost("/threads/{threadId}/messages", async (string threadId, HttpContext http, MessageService messages) =>
        {
            var request = MessageRequests.Read(await RequestBody.ReadAsync<MessageRequest>(http.Request));
            return Wire.Json(MessageObject.From((await messages.CreateAsync(http.ProjectId(), threadId, request, http.RequestAborted)).OrThrow()));
        });

        api.MapGet("/threads/{threadId}/messages", async (string threadId, HttpContext http, MessageService messages) =>
        {
            var runId = http.Request.Query["run_id"].ToString();
            var page = await messages.ListAsync(http.ProjectId(), threadId, runId.Length == 0 ? null : runId, ListQuery.Read(http.Request), messagesOnly: true, http.RequestAborted);
            return Wire.List(page.OrThrow(), MessageObject.From, m => m.Id);
        });

        api.MapGet("/threads/{threadId}/messages/{messageId}", async (string threadId, string messageId, HttpContext http, MessageService messages) =>
            Wire.Json(MessageObject.From((await messages.GetAsync(http.ProjectId(), threadId, messageId, http.RequestAborted)).OrThrow())));

        api.MapPost("/threads/{threadId}/messages/{messageId}", async (string threadId, string messageId, HttpContext http, MessageService messages) =>
        {
            var request = await RequestBody.ReadAsync<MetadataRequest>(http.Request);
            Validate.Metadata(request.Metadata);
            var metadata = request.Metadata is null ? (RawJson?)null : RawJson.From(request.Metadata);
            return Wire.Json(MessageObject.From((await messages.ModifyAsync(http.ProjectId(), threadId, messageId, metadata, http.RequestAborted)).OrThrow()));
        });

        api.MapDelete("/threads/{threadId}/messages/{messageId}", async (string threadId, string messageId, HttpContext http, MessageService messages) =>
        {
            (await messages.DeleteAsync(http.ProjectId(), threadId, messageId, http.RequestAborted)).OrThrow();
            return Wire.Json(new Assistants.DeletedObject(messageId, "thread.message.deleted", true));
        });
    }
}

using Threadline.Api;
using Threadline.Auth;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Threads;

namespace Threadline.Conversations;

/// <summary>
/// The Conversations API over the thread store: a conversation is a thread and its items are the
/// thread's messages, so a conversation's id works in <c>/v1/threads</c> and a thread's here.
/// </summary>
internal static class ConversationEndpoints
{
    public static void MapConversations(this IEndpointRouteBuilder api)
    {
        api.MapPost("/conversations", async (HttpContext http, ThreadService threads) =>
        {
            var request = await RequestBody.ReadAsync<ConversationRequest>(http.Request);
            Validate.Metadata(request.Metadata);
            var items = ConversationItems.Read(request.Items, "items", required: false);
            var created = await threads.CreateAsync(http.ProjectId(), new NewThread(null, RawJson.Null, RawJson.From(request.Metadata), items),
                http.RequestAborted, Ids.Conversation());
            return Wire.Json(ConversationObject.From(created.Thread));
        });

        api.MapGet("/conversations/{conversationId}", async (string conversationId, HttpContext http, ThreadService threads) =>
            Wire.Json(ConversationObject.From((await threads.GetAsync(http.ProjectId(), conversationId, http.RequestAborted)).OrThrowConversation())));

        api.MapPost("/conversations/{conversationId}", async (string conversationId, HttpContext http, ThreadService threads) =>
        {
            var request = await RequestBody.ReadAsync<ConversationUpdateRequest>(http.Request);
            Validate.Metadata(Validate.Required(request.Metadata, "metadata"));
            var updated = await threads.ModifyAsync(http.ProjectId(), conversationId, null, RawJson.From(request.Metadata), http.RequestAborted);
            return Wire.Json(ConversationObject.From(updated.OrThrowConversation()));
        });

        api.MapDelete("/conversations/{conversationId}", async (string conversationId, HttpContext http, ThreadService threads) =>
        {
            (await threads.DeleteAsync(http.ProjectId(), conversationId, http.RequestAborted)).OrThrowConversation();
            return Wire.Json(new Assistants.DeletedObject(conversationId, "conversation.deleted", true));
        });

        api.MapPost("/conversations/{conversationId}/items", async (string conversationId, HttpContext http, MessageService messages) =>
        {
            var request = await RequestBody.ReadAsync<ConversationItemsRequest>(http.Request);
            var items = ConversationItems.Read(request.Items, "items", required: true);
            var placed = (await messages.CreateManyAsync(http.ProjectId(), conversationId, items, http.RequestAborted)).OrThrowConversation();
            return Wire.Json(ListResponse<ConversationItem>.From(new Storage.Page<Message>(placed, false), ConversationItems.Item, m => m.Id));
        });

        api.MapGet("/conversations/{conversationId}/items", async (string conversationId, HttpContext http, MessageService messages) =>
        {
            var page = await messages.ListAsync(http.ProjectId(), conversationId, null, ListQuery.Read(http.Request), messagesOnly: false, http.RequestAborted);
            return Wire.List(page.OrThrowConversation(), ConversationItems.Item, m => m.Id);
        });

        api.MapGet("/conversations/{conversationId}/items/{itemId}", async (string conversationId, string itemId, HttpContext http, MessageService messages) =>
            Wire.Json(ConversationItems.Item((await messages.GetAsync(http.ProjectId(), conversationId, itemId, http.RequestAborted)).OrThrowConversation())));

        // As hosted, deleting an item answers with the conversation it was in.
        api.MapDelete("/conversations/{conversationId}/items/{itemId}", async (string conversationId, string itemId, HttpContext http, MessageService messages, ThreadService threads) =>
        {
            (await messages.DeleteAsync(http.ProjectId(), conversationId, itemId, http.RequestAborted)).OrThrowConversation();
            return Wire.Json(ConversationObject.From((await threads.GetAsync(http.ProjectId(), conversationId, http.RequestAborted)).OrThrowConversation()));
        });
    }
}

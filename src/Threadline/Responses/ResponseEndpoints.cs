using Threadline.Api;
using Threadline.Auth;
using Threadline.Conversations;

namespace Threadline.Responses;

/// <summary>
/// The Responses API: create (waiting for the answer, streaming it, or at once with <c>background</c>), retrieve
/// (or follow its stream again), cancel, delete, and its input items. A response on a busy conversation waits its turn instead of answering <c>conversation_locked</c>.
/// </summary>
internal static class ResponseEndpoints
{
    public static void MapResponses(this IEndpointRouteBuilder api)
    {
        api.MapPost("/responses", async (HttpContext http, ResponseService responses, Queue.RunScheduler scheduler) =>
        {
            var request = ResponseRequests.Read(await RequestBody.ReadAsync<ResponseRequest>(http.Request));
            var (run, joined) = (await responses.CreateAsync(http.ProjectId(), request, http.RequestAborted)).OrThrowConversation();
            http.Response.Headers[Runs.RunEndpoints.JoinedHeader] = joined ? "true" : "false";
            if (request.Stream)
            {
                var stream = new ResponseStream(run);
                await EventStream.WriteAsync(http.Response, stream.Opening(), ct => responses.EventsAsync(run, ct), stream.Of, scheduler.Drained);
                return Results.Empty;
            }
            if (!request.Background)
                run = await responses.WaitAsync(run, http.RequestAborted, scheduler.Drained);
            return Wire.Json(ResponseObject.From(run, await responses.OutputAsync(run, http.RequestAborted)) with { Joined = joined });
        });

        // With stream=true, the response's stream again (from the start, or after starting_after): exactly
        // as first sent while it runs; once it has ended, rebuilt from what was stored.
        api.MapGet("/responses/{responseId}", async (string responseId, HttpContext http, ResponseService responses, Queue.RunScheduler scheduler) =>
        {
            var (stream, startingAfter) = ResponseRequests.Follow(http.Request.Query);
            var (run, output) = (await responses.GetAsync(http.ProjectId(), responseId, http.RequestAborted)).OrThrowConversation();
            if (!stream)
                return Wire.Json(ResponseObject.From(run, output));
            var projection = new ResponseStream(run, startingAfter);
            await EventStream.WriteAsync(http.Response, projection.Opening(), ct => responses.EventsAsync(run, ct), projection.Of, scheduler.Drained);
            return Results.Empty;
        });

        api.MapDelete("/responses/{responseId}", async (string responseId, HttpContext http, ResponseService responses) =>
        {
            (await responses.DeleteAsync(http.ProjectId(), responseId, http.RequestAborted)).OrThrowConversation();
            return Wire.Json(new Assistants.DeletedObject(responseId, "response", true));
        });

        api.MapGet("/responses/{responseId}/input_items", async (string responseId, HttpContext http, ResponseService responses) =>
        {
            var page = ListQuery.Read(http.Request);
            var items = await responses.InputItemsAsync(http.ProjectId(), responseId, page, http.RequestAborted);
            return Wire.List(items.OrThrowConversation(), ConversationItems.Item, m => m.Id);
        });

        api.MapPost("/responses/{responseId}/cancel", async (string responseId, HttpContext http, ResponseService responses) =>
        {
            var run = (await responses.CancelAsync(http.ProjectId(), responseId, http.RequestAborted)).OrThrowConversation();
            return Wire.Json(ResponseObject.From(run, await responses.OutputAsync(run, http.RequestAborted)));
        });
    }
}

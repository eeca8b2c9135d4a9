using System.Text.RegularExpressions;
using Threadline.Api;
using Threadline.Auth;
using Threadline.Storage;

namespace Threadline.Threads;

internal static partial class ThreadEndpoints
{
    public static void MapThreads(this IEndpointRouteBuilder api)
    {
        api.MapPost("/threads", async (HttpContext http, ThreadService threads) =>
        {
            var result = await threads.CreateAsync(http.ProjectId(), await RequestBody.ReadAsync<ThreadRequest>(http.Request), http.RequestAborted);
            return ThreadObject.From(result.Thread);
        });

        api.MapGet("/threads", async (HttpContext http, ThreadService threads) =>
            ListResponse<ThreadObject>.From(await threads.ListAsync(Filter(http), ListQuery.Read(http.Request), http.RequestAborted), ThreadObject.From, t => t.Id));

        api.MapGet("/threads/{threadId}", async (string threadId, HttpContext http, ThreadService threads) =>
            ThreadObject.From(await threads.GetAsync(http.ProjectId(), threadId, http.RequestAborted)));

        api.MapPost("/threads/{threadId}", async (string threadId, HttpContext http, ThreadService threads) =>
            ThreadObject.From(await threads.ModifyAsync(http.ProjectId(), threadId, await RequestBody.ReadAsync<ThreadModifyRequest>(http.Request), http.RequestAborted)));

        api.MapDelete("/threads/{threadId}", async (string threadId, HttpContext http, ThreadService threads) =>
        {
            await threads.DeleteAsync(http.ProjectId(), threadId, http.RequestAborted);
            return new Assistants.DeletedObject(threadId, "thread.deleted", true);
        });
    }

    /// <summary><c>?external_id=...&amp;metadata[key]=value</c>.</summary>
    private static ThreadFilter Filter(HttpContext http)
    {
        var metadata = new Dictionary<string, string>();
        foreach (var (name, value) in http.Request.Query)
        {
            var m = MetadataKey().Match(name);
            if (m.Success)
                metadata[m.Groups[1].Value] = value.ToString();
        }
        var externalId = http.Request.Query["external_id"].ToString();
        return new ThreadFilter(http.ProjectId(), externalId.Length == 0 ? null : externalId, metadata);
    }

    [GeneratedRegex(@"^metadata\[(.+)\]$")]
    private static partial Regex MetadataKey();
}

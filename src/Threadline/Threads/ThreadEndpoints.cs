using System.Text.RegularExpressions;
using Threadline.Api;
using Threadline.Auth;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Storage.Drivers;

namespace Threadline.Threads;

internal static partial class ThreadEndpoints
{
    public static void MapThreads(this IEndpointRouteBuilder api)
    {
        api.MapPost("/threads", async (HttpContext http, ThreadService threads) =>
        {
            var request = Read(await RequestBody.ReadAsync<ThreadRequest>(http.Request));
            var result = await threads.CreateAsync(http.ProjectId(), request, http.RequestAborted);
            return Wire.Json(ThreadObject.From(result.Thread));
        });

        api.MapGet("/threads", async (HttpContext http, ThreadService threads) =>
            Wire.List(await threads.ListAsync(Filter(http), ListQuery.Read(http.Request), http.RequestAborted), ThreadObject.From, t => t.Id));

        api.MapGet("/threads/{threadId}", async (string threadId, HttpContext http, ThreadService threads) =>
            Wire.Json(ThreadObject.From((await threads.GetAsync(http.ProjectId(), threadId, http.RequestAborted)).OrThrow())));

        api.MapPost("/threads/{threadId}", async (string threadId, HttpContext http, ThreadService threads) =>
        {
            var request = await RequestBody.ReadAsync<ThreadModifyRequest>(http.Request);
            Validate.Metadata(request.Metadata);
            VectorStores.ToolResourceStores.Validate(request.ToolResources, "tool_resources");
            var modified = await threads.ModifyAsync(http.ProjectId(), threadId,
                request.ToolResources is null ? null : RawJson.From(request.ToolResources),
                request.Metadata is null ? null : RawJson.From(request.Metadata), http.RequestAborted);
            return Wire.Json(ThreadObject.From(modified.OrThrow()));
        });

        api.MapDelete("/threads/{threadId}", async (string threadId, HttpContext http, ThreadService threads) =>
        {
            (await threads.DeleteAsync(http.ProjectId(), threadId, http.RequestAborted)).OrThrow();
            return Wire.Json(new Assistants.DeletedObject(threadId, "thread.deleted", true));
        });
    }

    /// <summary>Validates a thread request (create thread, or <c>thread</c> in create thread and run).</summary>
    public static NewThread Read(ThreadRequest request, string param = "")
    {
        var prefix = param.Length == 0 ? "" : param + ".";
        Validate.Metadata(request.Metadata, prefix + "metadata");
        Validate.MaxLength(request.ExternalId, ThreadService.ExternalIdMaxLength, prefix + "external_id");
        if (request.ExternalId is "")
            throw ApiException.Invalid($"Invalid '{prefix}external_id': empty string.", prefix + "external_id", "invalid_value");
        VectorStores.ToolResourceStores.Validate(request.ToolResources, prefix + "tool_resources");
        return new NewThread(request.ExternalId, request.ToolResources is null ? RawJson.Null : RawJson.From(request.ToolResources),
            RawJson.From(request.Metadata), MessageRequests.ReadMany(request.Messages, prefix + "messages"));
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

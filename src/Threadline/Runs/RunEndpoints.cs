using Threadline.Api;
using Threadline.Auth;
using Threadline.Messages;
using Threadline.Storage;

namespace Threadline.Runs;

internal static class RunEndpoints
{
    public const string JoinedHeader = "Threadline-Run-Joined";

    /// <summary>The Node SDK's poll helpers wait this long between polls of a run that is not terminal.</summary>
    public const string PollAfterHeader = "openai-poll-after-ms";
    private const string PollAfterMs = "100";

    public static void MapRuns(this IEndpointRouteBuilder api)
    {
        api.MapPost("/threads/runs", async (HttpContext http, RunService runs) =>
            Created(http, await runs.CreateThreadAndRunAsync(http.ProjectId(), await RequestBody.ReadAsync<ThreadAndRunRequest>(http.Request), http.RequestAborted)));

        api.MapPost("/threads/{threadId}/runs", async (string threadId, HttpContext http, RunService runs) =>
            Created(http, await runs.CreateAsync(http.ProjectId(), threadId, await RequestBody.ReadAsync<RunRequest>(http.Request), http.RequestAborted)));

        api.MapGet("/threads/{threadId}/runs", async (string threadId, HttpContext http, RunService runs) =>
            ListResponse<RunObject>.From(await runs.ListAsync(http.ProjectId(), threadId, ListQuery.Read(http.Request), http.RequestAborted), RunObject.From, r => r.Id));

        api.MapGet("/threads/{threadId}/runs/{runId}", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Polled(http, await runs.GetAsync(http.ProjectId(), threadId, runId, http.RequestAborted)));

        api.MapPost("/threads/{threadId}/runs/{runId}", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Polled(http, await runs.ModifyAsync(http.ProjectId(), threadId, runId, await RequestBody.ReadAsync<MetadataRequest>(http.Request), http.RequestAborted)));

        api.MapPost("/threads/{threadId}/runs/{runId}/cancel", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Polled(http, await runs.CancelAsync(http.ProjectId(), threadId, runId, http.RequestAborted)));

        api.MapPost("/threads/{threadId}/runs/{runId}/submit_tool_outputs", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Polled(http, await runs.SubmitToolOutputsAsync(http.ProjectId(), threadId, runId, await RequestBody.ReadAsync<ToolOutputsRequest>(http.Request), http.RequestAborted)));
    }

    private static RunObject Created(HttpContext http, RunCreateResult result)
    {
        http.Response.Headers[JoinedHeader] = result.Joined ? "true" : "false";
        return Polled(http, result.Run!) with { Joined = result.Joined };
    }

    private static RunObject Polled(HttpContext http, Run run)
    {
        if (!run.IsTerminal)
            http.Response.Headers[PollAfterHeader] = PollAfterMs;
        return RunObject.From(run);
    }
}

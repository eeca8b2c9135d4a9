using Threadline.Api;
using Threadline.Auth;
using Threadline.Messages;
using Threadline.RunSteps;
using Threadline.Storage;
using Threadline.Streaming;
using Threadline.Threads;

namespace Threadline.Runs;

internal static class RunEndpoints
{
    public const string JoinedHeader = "Threadline-Run-Joined";

    /// <summary>The Node SDK's poll helpers wait this long between polls of a run that is not terminal.</summary>
    public const string PollAfterHeader = "openai-poll-after-ms";
    private const string PollAfterMs = "100";

    public static void MapRuns(this IEndpointRouteBuilder api)
    {
        api.MapPost("/threads/runs", async (HttpContext http, RunService runs, RunEventFeed feed) =>
        {
            var request = await RequestBody.ReadAsync<ThreadAndRunRequest>(http.Request);
            var result = await runs.CreateThreadAndRunAsync(http.ProjectId(), request, http.RequestAborted);
            return await CreatedAsync(http, result, request.Stream == true, feed, withThread: true);
        });

        api.MapPost("/threads/{threadId}/runs", async (string threadId, HttpContext http, RunService runs, RunEventFeed feed) =>
        {
            var request = await RequestBody.ReadAsync<RunRequest>(http.Request);
            var result = await runs.CreateAsync(http.ProjectId(), threadId, request, http.RequestAborted);
            return await CreatedAsync(http, result, request.Stream == true, feed, withThread: false);
        });

        api.MapGet("/threads/{threadId}/runs", async (string threadId, HttpContext http, RunService runs) =>
            ListResponse<RunObject>.From(await runs.ListAsync(http.ProjectId(), threadId, ListQuery.Read(http.Request), http.RequestAborted), RunObject.From, r => r.Id));

        api.MapGet("/threads/{threadId}/runs/{runId}", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Polled(http, await runs.GetAsync(http.ProjectId(), threadId, runId, http.RequestAborted)));

        api.MapPost("/threads/{threadId}/runs/{runId}", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Polled(http, await runs.ModifyAsync(http.ProjectId(), threadId, runId, await RequestBody.ReadAsync<MetadataRequest>(http.Request), http.RequestAborted)));

        api.MapPost("/threads/{threadId}/runs/{runId}/cancel", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Polled(http, await runs.CancelAsync(http.ProjectId(), threadId, runId, http.RequestAborted)));

        api.MapPost("/threads/{threadId}/runs/{runId}/submit_tool_outputs", async (string threadId, string runId, HttpContext http, RunService runs, RunEventFeed feed, IThreadlineStore store) =>
        {
            var request = await RequestBody.ReadAsync<ToolOutputsRequest>(http.Request);
            var result = await runs.SubmitToolOutputsAsync(http.ProjectId(), threadId, runId, request, http.RequestAborted);
            var run = result.Run!;
            if (request.Stream != true)
                return Results.Json(Polled(http, run), WireJson.Options);
            // The steps so far were reported by the stream that ended at requires_action.
            var known = (await store.RunStepListAsync(run.ProjectId, run.ThreadId, run.Id, PageRequest.All, http.RequestAborted)).Items.Select(s => s.Id).ToHashSet();
            await ServerSentEvents.WriteAsync(http.Response,
                [RunEvents.StepEnded(result.ToolStep!), RunEvents.Run(RunEventNames.Queued, run)],
                feed.ReadAsync(run, run.Attempt, known, http.RequestAborted));
            return Results.Empty;
        });
    }

    /// <summary>The created (or joined) run as JSON, or its events as a stream.</summary>
    private static async Task<IResult> CreatedAsync(HttpContext http, RunCreateResult result, bool stream, RunEventFeed feed, bool withThread)
    {
        http.Response.Headers[JoinedHeader] = result.Joined ? "true" : "false";
        var run = result.Run!;
        if (!stream)
            return Results.Json(Polled(http, run) with { Joined = result.Joined }, WireJson.Options);
        var first = new List<RunEvent>();
        if (withThread)
            first.Add(new RunEvent(RunEventNames.ThreadCreated, ThreadObject.From(result.Thread!)));
        var asQueued = run with { Status = RunStatus.Queued };
        first.Add(RunEvents.Run(RunEventNames.Created, asQueued));
        first.Add(RunEvents.Run(RunEventNames.Queued, asQueued));
        await ServerSentEvents.WriteAsync(http.Response, first, feed.ReadAsync(run, run.Attempt, new HashSet<string>(), http.RequestAborted));
        return Results.Empty;
    }

    private static RunObject Polled(HttpContext http, Run run)
    {
        if (!run.IsTerminal)
            http.Response.Headers[PollAfterHeader] = PollAfterMs;
        return RunObject.From(run);
    }
}

using Threadline.Api;
using Threadline.Auth;
using Threadline.Domain;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
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
        api.MapPost("/threads/runs", async (HttpContext http, RunService runs, RunEventFeed feed, RunScheduler scheduler) =>
        {
            var request = await RequestBody.ReadAsync<ThreadAndRunRequest>(http.Request);
            VectorStores.ToolResourceStores.Validate(request.ToolResources, "tool_resources");
            var create = new CreateThreadAndRun(RunRequests.Read(request), ThreadEndpoints.Read(request.Thread ?? new ThreadRequest(), "thread"),
                request.ToolResources is null ? null : RawJson.From(request.ToolResources));
            var result = (await runs.CreateThreadAndRunAsync(http.ProjectId(), create, http.RequestAborted)).OrThrow();
            return await CreatedAsync(http, result, request.Stream == true, feed, scheduler.Drained, withThread: true);
        });

        api.MapPost("/threads/{threadId}/runs", async (string threadId, HttpContext http, RunService runs, RunEventFeed feed, RunScheduler scheduler) =>
        {
            var request = await RequestBody.ReadAsync<RunRequest>(http.Request);
            var create = new CreateRun(RunRequests.Read(request), request.AdditionalInstructions,
                Messages.MessageRequests.ReadMany(request.AdditionalMessages, "additional_messages"));
            var result = (await runs.CreateAsync(http.ProjectId(), threadId, create, http.RequestAborted)).OrThrow();
            return await CreatedAsync(http, result, request.Stream == true, feed, scheduler.Drained, withThread: false);
        });

        api.MapGet("/threads/{threadId}/runs", async (string threadId, HttpContext http, RunService runs) =>
            Wire.List((await runs.ListAsync(http.ProjectId(), threadId, ListQuery.Read(http.Request), http.RequestAborted)).OrThrow(), RunObject.From, r => r.Id));

        api.MapGet("/threads/{threadId}/runs/{runId}", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Polled(http, (await runs.GetAsync(http.ProjectId(), threadId, runId, http.RequestAborted)).OrThrow()));

        api.MapPost("/threads/{threadId}/runs/{runId}", async (string threadId, string runId, HttpContext http, RunService runs) =>
        {
            var request = await RequestBody.ReadAsync<Messages.MetadataRequest>(http.Request);
            Validate.Metadata(request.Metadata);
            var metadata = request.Metadata is null ? (RawJson?)null : RawJson.From(request.Metadata);
            return Polled(http, (await runs.ModifyAsync(http.ProjectId(), threadId, runId, metadata, http.RequestAborted)).OrThrow());
        });

        api.MapPost("/threads/{threadId}/runs/{runId}/cancel", async (string threadId, string runId, HttpContext http, RunService runs) =>
        {
            await RequestBody.ReadAsync<NoFieldsRequest>(http.Request);
            return Polled(http, (await runs.CancelAsync(http.ProjectId(), threadId, runId, http.RequestAborted)).OrThrow());
        });

        api.MapPost("/threads/{threadId}/runs/{runId}/submit_tool_outputs", async (string threadId, string runId, HttpContext http, RunService runs, RunEventFeed feed,
            RunScheduler scheduler) =>
        {
            var request = await RequestBody.ReadAsync<ToolOutputsRequest>(http.Request);
            var outputs = RunRequests.ReadToolOutputs(request);
            var (result, resumedFrom) = (await runs.SubmitToolOutputsAsync(http.ProjectId(), threadId, runId, outputs, http.RequestAborted)).OrThrow();
            var run = result.Run!;
            if (request.Stream != true)
                return Polled(http, run);
            // The steps so far were reported by the stream that ended at requires_action.
            var known = (await runs.StepsAsync(run.ProjectId, run.ThreadId, run.Id, Storage.PageRequest.All, http.RequestAborted)).OrThrow()
                .Items.Where(s => s.Id != result.ToolStep!.Id).Select(s => s.Id).ToHashSet();
            known.Add(result.ToolStep!.Id);
            await EventStream.WriteAsync<RunEvent>(http.Response,
                [new StepEnded(result.ToolStep!), new RunStatusChanged(run with { Status = RunStatus.Queued })],
                ct => feed.ReadAsync(run, resumedFrom, known, ct), RunFrames.Of, scheduler.Drained);
            return Results.Empty;
        });
    }

    /// <summary>The created (or joined) run as JSON, or its events as a stream.</summary>
    /// <param name="hangUp">When a stream still open stops waiting: once this process has stopped executing runs at shutdown.</param>
    private static async Task<IResult> CreatedAsync(HttpContext http, RunCreateResult result, bool stream, RunEventFeed feed, CancellationToken hangUp, bool withThread)
    {
        http.Response.Headers[JoinedHeader] = result.Joined ? "true" : "false";
        var run = result.Run!;
        if (!stream)
        {
            if (!run.IsTerminal)
                http.Response.Headers[PollAfterHeader] = PollAfterMs;
            return Wire.Json(RunObject.From(run) with { Joined = result.Joined });
        }
        var first = new List<RunEvent>();
        if (withThread)
            first.Add(new ThreadCreated(result.Thread!));
        var asQueued = run with { Status = RunStatus.Queued, StartedAt = null };
        first.Add(new RunCreated(asQueued));
        first.Add(new RunStatusChanged(asQueued));
        // A joined run may have started long ago; a new one has had no execution reported yet.
        var reported = result.Joined ? run.Attempt : 0;
        await EventStream.WriteAsync(http.Response, first, ct => feed.ReadAsync(run, reported, new HashSet<string>(), ct), RunFrames.Of, hangUp);
        return Results.Empty;
    }

    private static IResult Polled(HttpContext http, Run run)
    {
        if (!run.IsTerminal)
            http.Response.Headers[PollAfterHeader] = PollAfterMs;
        return Wire.Json(RunObject.From(run));
    }
}

using Threadline.Api;
using Threadline.Auth;
using Threadline.Runs;
using Threadline.Storage;

namespace Threadline.RunSteps;

internal static class RunStepEndpoints
{
    public static void MapRunSteps(this IEndpointRouteBuilder api)
    {
        api.MapGet("/threads/{threadId}/runs/{runId}/steps", async (string threadId, string runId, HttpContext http, RunService runs, IThreadlineStore store) =>
        {
            var run = await runs.GetAsync(http.ProjectId(), threadId, runId, http.RequestAborted);
            var page = await store.RunStepListAsync(run.ProjectId, threadId, runId, ListQuery.Read(http.Request), http.RequestAborted);
            return ListResponse<RunStepObject>.From(page, RunStepObject.From, s => s.Id);
        });

        api.MapGet("/threads/{threadId}/runs/{runId}/steps/{stepId}", async (string threadId, string runId, string stepId, HttpContext http, RunService runs, IThreadlineStore store) =>
        {
            var run = await runs.GetAsync(http.ProjectId(), threadId, runId, http.RequestAborted);
            var step = await store.RunStepGetAsync(run.ProjectId, threadId, runId, stepId, http.RequestAborted)
                ?? throw ApiException.NoSuch("run step", stepId);
            return RunStepObject.From(step);
        });
    }
}

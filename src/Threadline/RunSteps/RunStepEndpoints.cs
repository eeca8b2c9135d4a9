using Threadline.Api;
using Threadline.Auth;
using Threadline.Runs;

namespace Threadline.RunSteps;

internal static class RunStepEndpoints
{
    public static void MapRunSteps(this IEndpointRouteBuilder api)
    {
        api.MapGet("/threads/{threadId}/runs/{runId}/steps", async (string threadId, string runId, HttpContext http, RunService runs) =>
            Wire.List((await runs.StepsAsync(http.ProjectId(), threadId, runId, ListQuery.Read(http.Request), http.RequestAborted)).OrThrow(),
                s => RunStepObject.From(s, RunStepObject.AsksSearchContent(http.Request)), s => s.Id));

        api.MapGet("/threads/{threadId}/runs/{runId}/steps/{stepId}", async (string threadId, string runId, string stepId, HttpContext http, RunService runs) =>
            Wire.Json(RunStepObject.From((await runs.StepAsync(http.ProjectId(), threadId, runId, stepId, http.RequestAborted)).OrThrow(),
                RunStepObject.AsksSearchContent(http.Request))));
    }
}

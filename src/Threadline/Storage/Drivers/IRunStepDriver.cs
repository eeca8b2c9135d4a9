using Threadline.Runs;
using Threadline.Domain;
using Threadline.RunSteps;

namespace Threadline.Storage.Drivers;

internal interface IRunStepDriver
{
    ValueTask RunStepInsertAsync(RunStep step);
    ValueTask<RunStep?> RunStepGetAsync(string projectId, string threadId, string runId, string stepId);
    ValueTask<Page<RunStep>> RunStepListAsync(string projectId, string threadId, string runId, PageRequest page);

    /// <summary>The run's steps in the order they were made.</summary>
    ValueTask<IReadOnlyList<RunStep>> RunStepListByRunAsync(string runId);

    /// <summary>The run's tool-call step that waits for outputs.</summary>
    ValueTask<RunStep?> RunStepOpenToolCallsGetAsync(string runId);

    ValueTask RunStepEndAsync(RunStepEnd end);

    /// <summary>Ends the run's steps still in progress with the run's <paramref name="status"/>.</summary>
    ValueTask<int> RunStepOpenCloseAsync(string runId, string status, long at);

    ValueTask<bool> RunStepExistsForRunAsync(string runId);
}

internal sealed record RunStepEnd(
    string StepId, string Status, RunError? Error, long At, Runs.Usage? Usage, RawJson? StepDetails = null);

using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Queue.Lifecycle;

/// <summary>
/// The model asked for tool calls: complete the text written so far, record a <c>tool_calls</c> step,
/// and wait for outputs until <paramref name="ExpiresAt"/> (unix seconds). The lease is released.
/// </summary>
internal sealed record RunRequireAction(
    string RunId, int Attempt, RunOutput? Output, string? OutputText, IReadOnlyList<ToolCall> ToolCalls, long ExpiresAt, Usage? Usage)
{
    /// <summary>The text's start was not stored yet: store it in this transaction.</summary>
    public bool StoreOutput { get; init; }

    /// <summary>When the execution's first token arrived (unix ms); null when it got none.</summary>
    public long? FirstTokenAtMs { get; init; }
}

internal sealed record RunRequireActionResult(Run Run, RunStep ToolStep, Message? CompletedMessage, RunStep? CompletedStep);

/// <summary>Outputs for every tool call of a run in <c>requires_action</c>; the run goes back to the head of its queue.</summary>
internal sealed record RunToolOutputsSubmit(string ProjectId, string ThreadId, string RunId, IReadOnlyList<KeyValuePair<string, string>> Outputs)
{
    public ClaimFor? Claim { get; init; }
}

/// <summary>The run after the outputs, or why they were refused (its status, or a problem with the outputs).</summary>
internal sealed record RunToolOutputsResult(Run? Run, RunStep? ToolStep, string? RefusedStatus, string? Problem)
{
    public Run? Claimed { get; init; }
}

internal sealed partial class RunLifecycle
{
    public async ValueTask<RunRequireActionResult?> RequireActionAsync(IStoreSession s, RunRequireAction r)
    {
        await s.Threads.ThreadHoldAsync(ThreadHold.OfRun(r.RunId));
        var run = await s.Runs.RunGetHeldAsync(r.RunId, r.Attempt);
        if (run is null || (r.StoreOutput && r.Output is { } begun && !await OutputBeginHeldAsync(s, begun, r.Attempt)))
            return null;
        var now = s.NowMs / 1000;
        var (message, step) = r.Output is { } output
            ? await OutputEndAsync(s, output, r.OutputText ?? "", MessageStatus.Completed, null, RunStepStatus.Completed, null, now, null)
            : ((Message?)null, (RunStep?)null);
        var toolStep = NewStep(run, now, RunStepType.ToolCalls, ToolCallJson.StepDetails(r.ToolCalls));
        await s.RunSteps.RunStepInsertAsync(toolStep);
        var waiting = await s.Runs.RunStatusSetAsync(new Storage.Drivers.RunStatusSet(run.Id, RunStatus.RequiresAction, s.NowMs)
        {
            Attempt = r.Attempt,
            RequiredAction = ToolCallJson.RequiredAction(r.ToolCalls),
            ExpiresAt = r.ExpiresAt,
            Usage = r.Usage,
            FirstTokenAtMs = r.FirstTokenAtMs,
        });
        await SettleThreadAsync(s, run.ThreadId, run.Id);
        await outbox.RunSettledAsync(s, waiting!, message);
        return new RunRequireActionResult(waiting!, toolStep, message, step);
    }

    public async ValueTask<RunToolOutputsResult> SubmitToolOutputsAsync(IStoreSession s, RunToolOutputsSubmit submit)
    {
        if (await s.Threads.ThreadLockAsync(submit.ProjectId, submit.ThreadId) is null)
            return new(null, null, null, null);
        var run = await s.Runs.RunGetAsync(submit.ProjectId, submit.ThreadId, submit.RunId);
        if (run is null)
            return new(null, null, null, null);
        if (run.Status != RunStatus.RequiresAction)
            return new(run, null, run.Status, null);
        var step = await s.RunSteps.RunStepOpenToolCallsGetAsync(run.Id);
        var calls = step is null ? [] : ToolCallJson.Read(step.StepDetails);
        var expected = calls.Select(c => c.Id).ToList();
        var given = submit.Outputs.Select(o => o.Key).ToList();
        if (given.Distinct().Count() != given.Count || !expected.Order().SequenceEqual(given.Order()))
            return new(run, null, null, $"Expected tool outputs for call_ids [{Quote(expected)}], got [{Quote(given)}]");

        var details = ToolCallJson.StepDetails(calls, submit.Outputs.ToDictionary(o => o.Key, o => o.Value));
        var now = s.NowMs / 1000;
        await s.RunSteps.RunStepEndAsync(new Storage.Drivers.RunStepEnd(step!.Id, RunStepStatus.Completed, null, now, null, details));
        await s.Runs.RunResumeAsync(run.Id, s.NowMs);
        var state = await SettleThreadAsync(s, run.ThreadId, run.Id);
        var resumed = await s.Runs.RunGetByIdAsync(run.Id);
        var claimed = submit.Claim is { } claim && state.NextRunAtMs <= s.NowMs ? await ClaimHeldHeadAsync(s, run.ThreadId, claim) : null;
        return new(resumed, step with { Status = RunStepStatus.Completed, CompletedAt = now, StepDetails = details }, null, null)
        {
            Claimed = claimed,
        };
    }

    private static string Quote(IEnumerable<string> ids) => string.Join(", ", ids.Select(i => $"'{i}'"));
}

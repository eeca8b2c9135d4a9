using Threadline.Domain;
using Threadline.Hosting;
using Threadline.Messages;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.RunSteps;
using Threadline.Storage;
using Threadline.Threads;

namespace Threadline.Runs;

internal sealed class RunService(
    IStore store, RunLifecycle lifecycle, RunScheduler scheduler, LeaseKeeper leases, ThreadService threads,
    MessageFactory messages, ThreadlineOptions options, TimeProvider time)
{
    private static readonly RawJson DefaultTruncation = RawJson.Trusted("""{"type":"auto","last_messages":null}""");

    public async Task<Outcome<RunCreateResult>> CreateAsync(string projectId, string threadId, CreateRun request, CancellationToken ct)
    {
        var built = await BuildAsync(projectId, threadId, request.Settings, ct);
        if (built.Problem is { } problem)
            return problem;
        var create = new RunCreate(built.Value! with { AdditionalInstructions = request.AdditionalInstructions }, null,
            messages.CreateMany(projectId, threadId, request.AdditionalMessages), OnActiveOf(request.Settings));
        return await StartAsync(create, threadId, ct);
    }

    public async Task<Outcome<RunCreateResult>> CreateThreadAndRunAsync(string projectId, CreateThreadAndRun request, CancellationToken ct)
    {
        var thread = threads.Prepare(projectId, request.Thread);
        if (request.ToolResources is { } resources && thread.Thread.ToolResources.IsNull)
            thread = thread with { Thread = thread.Thread with { ToolResources = resources } };
        var built = await BuildAsync(projectId, thread.Thread.Id, request.Settings, ct);
        if (built.Problem is { } problem)
            return problem;
        return await StartAsync(new RunCreate(built.Value!, thread, [], OnActiveOf(request.Settings)), thread.Thread.Id, ct);
    }

    public async Task<Outcome<Run>> GetAsync(string projectId, string threadId, string runId, CancellationToken ct) =>
        await store.ReadAsync<Outcome<Run>>(async s => await s.Runs.RunGetAsync(projectId, threadId, runId) is { } run
            ? run
            : await MissingAsync(s, projectId, threadId, "run", runId), ct);

    public Task<Outcome<Run>> ModifyAsync(string projectId, string threadId, string runId, RawJson? metadata, CancellationToken ct) =>
        store.WriteAsync<Outcome<Run>>(async s =>
        {
            if (await s.Runs.RunGetAsync(projectId, threadId, runId) is not { } current)
                return await MissingAsync(s, projectId, threadId, "run", runId);
            if (metadata is not { } m)
                return current;
            await s.Runs.RunMetadataUpdateAsync(projectId, threadId, runId, m);
            return current with { Metadata = m };
        }, ct);

    public async Task<Outcome<Page<Run>>> ListAsync(string projectId, string threadId, PageRequest page, CancellationToken ct) =>
        await store.ReadAsync<Outcome<Page<Run>>>(async s =>
        {
            var found = await s.Runs.RunListAsync(projectId, threadId, page);
            return found.Items.Count == 0 && !await s.Threads.ThreadExistsAsync(projectId, threadId) ? new NotFound("thread", threadId) : found;
        }, ct);

    public async Task<Outcome<Run>> CancelAsync(string projectId, string threadId, string runId, CancellationToken ct)
    {
        var outcome = await store.WriteAsync<Outcome<Run>>(async s =>
        {
            var result = await lifecycle.CancelAsync(s, new RunCancel(projectId, threadId, runId));
            if (result.Run is null)
                return await MissingAsync(s, projectId, threadId, "run", runId);
            if (result.RefusedStatus is { } status)
                return new RunStatusRefused(status, RunOperation.Cancel);
            return result.Run;
        }, ct);
        if (outcome.Value is { Status: RunStatus.Cancelling })
            leases.RequestCancel(runId);
        return outcome;
    }

    /// <summary>Records an output for every tool call; the run goes back to the head of its thread's queue (and starts at once when it may).</summary>
    public async Task<Outcome<(RunToolOutputsResult Result, int ResumedFromAttempt)>> SubmitToolOutputsAsync(
        string projectId, string threadId, string runId, IReadOnlyList<KeyValuePair<string, string>> outputs, CancellationToken ct)
    {
        using var slot = scheduler.Reserve();
        var outcome = await store.WriteAsync<Outcome<(RunToolOutputsResult, int)>>(async s =>
        {
            var before = await s.Runs.RunGetAsync(projectId, threadId, runId);
            var result = await lifecycle.SubmitToolOutputsAsync(s, new RunToolOutputsSubmit(projectId, threadId, runId, outputs) { Claim = slot?.Claim });
            if (result.Run is null)
                return await MissingAsync(s, projectId, threadId, "run", runId);
            if (result.RefusedStatus is { } status)
                return new RunStatusRefused(status, RunOperation.SubmitToolOutputs);
            if (result.Problem is { } problem)
                return new ToolOutputsMismatch(problem);
            return (result, before!.Attempt);
        }, ct);
        if (outcome.Value.Item1?.Claimed is { } claimed)
            slot!.Start(claimed);
        return outcome;
    }

    public async Task<Outcome<Page<RunStep>>> StepsAsync(string projectId, string threadId, string runId, PageRequest page, CancellationToken ct) =>
        await store.ReadAsync<Outcome<Page<RunStep>>>(async s =>
        {
            if (await s.Runs.RunGetAsync(projectId, threadId, runId) is null)
                return await MissingAsync(s, projectId, threadId, "run", runId);
            return await s.RunSteps.RunStepListAsync(projectId, threadId, runId, page);
        }, ct);

    public async Task<Outcome<RunStep>> StepAsync(string projectId, string threadId, string runId, string stepId, CancellationToken ct) =>
        await store.ReadAsync<Outcome<RunStep>>(async s =>
        {
            if (await s.RunSteps.RunStepGetAsync(projectId, threadId, runId, stepId) is { } step)
                return step;
            if (await s.Runs.RunGetAsync(projectId, threadId, runId) is null)
                return await MissingAsync(s, projectId, threadId, "run", runId);
            return new NotFound("run step", stepId);
        }, ct);

    /// <summary>Makes (or joins) the run; a run that may start at once is claimed in the same transaction and started here.</summary>
    private async Task<Outcome<RunCreateResult>> StartAsync(RunCreate create, string threadId, CancellationToken ct)
    {
        using var slot = create.Run.DebounceMs == 0 ? scheduler.Reserve() : null;
        var result = await store.WriteAsync(s => lifecycle.CreateAsync(s, create with { Claim = slot?.Claim }), ct);
        if (result.ThreadMissing)
            return new NotFound("thread", threadId);
        if (result.RejectedByRunId is { } activeRun)
            return new ThreadBusy(result.Thread?.Id ?? threadId, activeRun, ForMessage: false);
        if (result.Claimed is { } claimed)
            slot!.Start(claimed);
        if (result.InterruptedRunId is { } interrupted)
            leases.RequestCancel(interrupted);
        return result;
    }

    /// <summary>The run as it will be made: what the request does not set comes from the assistant.</summary>
    private async Task<Outcome<Run>> BuildAsync(string projectId, string threadId, RunSettings r, CancellationToken ct)
    {
        // A response names no assistant: its request gave every setting, the defaults fill the rest.
        var assistant = r.AssistantId.Length == 0 ? Assistants.Assistant.None(projectId)
            : await store.ReadAsync(s => s.Assistants.AssistantGetAsync(projectId, r.AssistantId), ct);
        if (assistant is null)
            return new NotFound("assistant", r.AssistantId);
        var nowMs = time.UnixMilliseconds();
        var maxWait = r.MaxWaitMs ?? options.DefaultMaxWaitMs;
        return new Run
        {
            Id = r.Response.IsNull ? Ids.Run() : Ids.Response(),
            ProjectId = projectId,
            ThreadId = threadId,
            AssistantId = assistant.Id,
            Status = RunStatus.Queued,
            CreatedAt = nowMs / 1000,
            Model = r.Model ?? assistant.Model,
            Instructions = r.Instructions ?? assistant.Instructions,
            Tools = r.Tools ?? assistant.Tools,
            Metadata = r.Metadata,
            Temperature = r.Temperature ?? assistant.Temperature,
            TopP = r.TopP ?? assistant.TopP,
            MaxPromptTokens = r.MaxPromptTokens,
            MaxCompletionTokens = r.MaxCompletionTokens,
            TruncationStrategy = r.TruncationStrategy ?? DefaultTruncation,
            ToolChoice = r.ToolChoice ?? Assistants.WireDefaults.Auto,
            ParallelToolCalls = r.ParallelToolCalls ?? true,
            ResponseFormat = r.ResponseFormat ?? (assistant.ResponseFormat.IsNull ? Assistants.WireDefaults.Auto : assistant.ResponseFormat),
            ReasoningEffort = r.ReasoningEffort ?? assistant.ReasoningEffort,
            DebounceMs = r.DebounceMs,
            MaxWaitMs = maxWait,
            CreatedAtMs = nowMs,
            EligibleAtMs = nowMs + Math.Min(r.DebounceMs, maxWait),
            Response = r.Response,
        };
    }

    private OnActive OnActiveOf(RunSettings r) => r.OnActive ?? (options.StrictByDefault ? OnActive.Reject : OnActive.Queue);

    /// <summary>The hosted API names the thread when it is the thread that is missing.</summary>
    private static async ValueTask<Problem> MissingAsync(IStoreSession s, string projectId, string threadId, string noun, string id) =>
        await s.Threads.ThreadExistsAsync(projectId, threadId) ? new NotFound(noun, id) : new NotFound("thread", threadId);
}

using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Hosting;
using Threadline.Messages;
using Threadline.Queue;
using Threadline.Storage;
using Threadline.Streaming;
using Threadline.Threads;

namespace Threadline.Runs;

internal sealed class RunService(
    IThreadlineStore store, ThreadService threads, MessageFactory messages, SchedulerSignal scheduler, ActiveRuns active,
    RunEventHub hub, Webhooks.DeliverySignal deliveries, ThreadlineOptions options, TimeProvider time)
{
    public const long MaxDebounceMs = 600_000;
    public const long MaxMaxWaitMs = 3_600_000;

    public async Task<RunCreateResult> CreateAsync(string projectId, string threadId, RunRequest request, CancellationToken ct)
    {
        var run = await PrepareAsync(projectId, threadId, request, ct) with { AdditionalInstructions = request.AdditionalInstructions };
        var additional = messages.CreateMany(projectId, threadId, request.AdditionalMessages, "additional_messages");
        return Started(await store.RunCreateAsync(new RunCreate(run, null, additional, OnActiveOf(request), run.CreatedAtMs), ct), threadId);
    }

    public async Task<RunCreateResult> CreateThreadAndRunAsync(string projectId, ThreadAndRunRequest request, CancellationToken ct)
    {
        var thread = threads.Prepare(projectId, request.Thread ?? new ThreadRequest(), "thread");
        if (request.ToolResources is not null && thread.Thread.ToolResources is null)
            thread = thread with { Thread = thread.Thread with { ToolResources = request.ToolResources } };
        var run = await PrepareAsync(projectId, thread.Thread.Id, request, ct);
        return Started(await store.RunCreateAsync(new RunCreate(run, thread, [], OnActiveOf(request), run.CreatedAtMs), ct), thread.Thread.Id);
    }

    public async Task<Run> GetAsync(string projectId, string threadId, string runId, CancellationToken ct)
    {
        await threads.RequireAsync(projectId, threadId, ct);
        return await store.RunGetAsync(projectId, threadId, runId, ct) ?? throw ApiException.NoSuch("run", runId);
    }

    public async Task<Run> ModifyAsync(string projectId, string threadId, string runId, MetadataRequest request, CancellationToken ct)
    {
        Validate.Metadata(request.Metadata);
        var current = await GetAsync(projectId, threadId, runId, ct);
        if (request.Metadata is null)
            return current;
        if (!await store.RunMetadataUpdateAsync(projectId, threadId, runId, request.Metadata, ct))
            throw ApiException.NoSuch("run", runId);
        return current with { Metadata = request.Metadata };
    }

    public async Task<Page<Run>> ListAsync(string projectId, string threadId, PageRequest page, CancellationToken ct)
    {
        await threads.RequireAsync(projectId, threadId, ct);
        return await store.RunListAsync(projectId, threadId, page, ct);
    }

    public async Task<Run> CancelAsync(string projectId, string threadId, string runId, CancellationToken ct)
    {
        await threads.RequireAsync(projectId, threadId, ct);
        var result = await store.RunCancelAsync(new RunCancel(projectId, threadId, runId, time.UnixMilliseconds()), ct);
        if (result.Run is null)
            throw ApiException.NoSuch("run", runId);
        if (result.RefusedStatus is { } status)
            throw ApiException.Invalid($"Cannot cancel run with status '{status}'.");
        if (result.Run.Status == RunStatus.Cancelling)
            hub.Publish(runId, RunEvents.Run(result.Run));
        active.Cancel(runId);
        scheduler.Wake();
        deliveries.Wake();
        return result.Run;
    }

    /// <summary>Records an output for every tool call; the run goes back to the head of its thread's queue.</summary>
    public async Task<RunToolOutputsResult> SubmitToolOutputsAsync(string projectId, string threadId, string runId, ToolOutputsRequest request, CancellationToken ct)
    {
        var outputs = Validate.Required(request.ToolOutputs, "tool_outputs");
        for (var i = 0; i < outputs.Count; i++)
        {
            var output = Validate.Item(outputs[i], $"tool_outputs[{i}]");
            Validate.Required(output.ToolCallId, $"tool_outputs[{i}].tool_call_id");
            Validate.MaxLength(output.Output, 512 * 1024, $"tool_outputs[{i}].output");
        }
        await threads.RequireAsync(projectId, threadId, ct);
        var result = await store.RunToolOutputsSubmitAsync(new RunToolOutputsSubmit(projectId, threadId, runId,
            outputs.Select(o => KeyValuePair.Create(o!.ToolCallId!, o.Output ?? "")).ToList(), time.UnixMilliseconds()), ct);
        if (result.Run is null)
            throw ApiException.NoSuch("run", runId);
        if (result.RefusedStatus is { } status)
            throw ApiException.Invalid($"Runs in status \"{status}\" do not accept tool outputs.");
        if (result.Problem is { } problem)
            throw ApiException.Invalid(problem, "tool_outputs");
        scheduler.Wake();
        return result;
    }

    /// <summary>Validates the settings and makes the run, copying what it does not override from the assistant.</summary>
    private async Task<Run> PrepareAsync(string projectId, string threadId, RunSettingsRequest r, CancellationToken ct)
    {
        var assistantId = Validate.Required(r.AssistantId, "assistant_id");
        Validate.MaxLength(r.Instructions, 256_000, "instructions");
        Validate.Tools(r.Tools, 20);
        Validate.Metadata(r.Metadata);
        Validate.Range(r.Temperature, 0, 2, "temperature");
        Validate.Range(r.TopP, 0, 1, "top_p");
        Validate.Range(r.MaxPromptTokens, 256, int.MaxValue, "max_prompt_tokens");
        Validate.Range(r.MaxCompletionTokens, 256, int.MaxValue, "max_completion_tokens");
        Validate.TruncationStrategy(r.TruncationStrategy);
        Validate.ToolChoice(r.ToolChoice);
        Validate.ResponseFormat(r.ResponseFormat);
        Validate.OneOf(r.ReasoningEffort, "reasoning_effort", "minimal", "low", "medium", "high");
        Validate.Range(r.DebounceMs, 0, MaxDebounceMs, "debounce_ms");
        Validate.Range(r.MaxWaitMs, 0, MaxMaxWaitMs, "max_wait_ms");
        Validate.OneOf(r.OnActive, "on_active", "queue", "reject", "interrupt");

        var assistant = await store.AssistantGetAsync(projectId, assistantId, ct) ?? throw ApiException.NoSuch("assistant", assistantId);
        var nowMs = time.UnixMilliseconds();
        var debounce = r.DebounceMs ?? 0;
        var maxWait = r.MaxWaitMs ?? options.DefaultMaxWaitMs;
        return new Run
        {
            Id = Ids.Run(),
            ProjectId = projectId,
            ThreadId = threadId,
            AssistantId = assistant.Id,
            Status = RunStatus.Queued,
            CreatedAt = nowMs / 1000,
            Model = r.Model ?? assistant.Model,
            Instructions = r.Instructions ?? assistant.Instructions,
            Tools = r.Tools ?? (JsonArray)assistant.Tools.DeepClone(),
            Metadata = r.Metadata ?? Metadata.Empty,
            Temperature = r.Temperature ?? assistant.Temperature,
            TopP = r.TopP ?? assistant.TopP,
            MaxPromptTokens = r.MaxPromptTokens,
            MaxCompletionTokens = r.MaxCompletionTokens,
            TruncationStrategy = r.TruncationStrategy as JsonObject ?? new JsonObject { ["type"] = "auto", ["last_messages"] = null },
            ToolChoice = r.ToolChoice ?? JsonValue.Create("auto"),
            ParallelToolCalls = r.ParallelToolCalls ?? true,
            ResponseFormat = r.ResponseFormat ?? assistant.ResponseFormat?.DeepClone() ?? JsonValue.Create("auto"),
            ReasoningEffort = r.ReasoningEffort ?? assistant.ReasoningEffort,
            DebounceMs = debounce,
            MaxWaitMs = maxWait,
            CreatedAtMs = nowMs,
            EligibleAtMs = nowMs + Math.Min(debounce, maxWait),
        };
    }

    private OnActive OnActiveOf(RunSettingsRequest r) => r.OnActive switch
    {
        "queue" => OnActive.Queue,
        "reject" => OnActive.Reject,
        "interrupt" => OnActive.Interrupt,
        _ => options.StrictByDefault ? OnActive.Reject : OnActive.Queue,
    };

    /// <summary>Answers a refused create; otherwise tells the scheduler, and stops the run an interrupt cancelled.</summary>
    private RunCreateResult Started(RunCreateResult result, string threadId)
    {
        if (result.ThreadMissing)
            throw ApiException.NoSuch("thread", threadId);
        if (result.RejectedByRunId is { } activeRun)
            throw ApiException.Invalid($"Thread {result.Thread?.Id ?? threadId} already has an active run {activeRun}.");
        if (result.InterruptedRunId is { } interrupted)
            active.Cancel(interrupted);
        scheduler.Wake();
        return result;
    }
}

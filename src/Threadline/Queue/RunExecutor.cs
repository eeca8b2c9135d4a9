using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Threadline.Domain;
using Threadline.Models;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Streaming;

namespace Threadline.Queue;

/// <summary>Executes one claimed run, from its context to its durable end or its wait for tool outputs.</summary>
internal sealed partial class RunExecutor(
    IThreadlineStore store, ModelRouter models, ModelCaller caller, ActiveRuns active, RunEventHub hub,
    ProcessIdentity identity, QueueOptions options, Telemetry.ThreadlineMetrics metrics, TimeProvider time, ILogger<RunExecutor> logger)
{
    /// <summary>
    /// <list type="number">
    /// <item>Claim: done by the scheduler; the lease is ours until it lapses. Open the run's event log.</item>
    /// <item>Load: the thread as it was when the run started (I4), the run's own earlier turns, its instructions.</item>
    /// <item>Call: the model through <see cref="IChatClient"/> with retries, while a heartbeat renews the lease and watches for cancel.</item>
    /// <item>Stream: the first text begins the reply (message and step, durably); each piece goes out as a delta.</item>
    /// <item>Persist and release: tool calls put the run in <c>requires_action</c>; otherwise reply, step, status and usage
    /// are written in one transaction, only while the lease is still ours.</item>
    /// <item>Announce: the final events. Return the thread's next run when the finish took it over (handoff).</item>
    /// </list>
    /// </summary>
    public async Task<Run?> ExecuteAsync(Run run, CancellationToken ct)
    {
        // :: Step 1: claim
        var claimedAtMs = time.UnixMilliseconds();
        hub.Open(run.Id, run.Attempt);
        if (run.Attempt == 1)
        {
            var couldStartAtMs = Math.Max(run.CreatedAtMs, run.EligibleAtMs);
            metrics.QueueWait(claimedAtMs - couldStartAtMs);
            if (run.DebounceMs > 0)
                metrics.DebounceLateness(claimedAtMs - run.EligibleAtMs);
        }
        Publish(run, RunEvents.Run(RunEventNames.InProgress, run));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var heartbeat = new Heartbeat(store, run.Id, identity.Owner, options, time, stop);
        using var tracking = active.Track(run.Id, heartbeat.RequestCancel);
        var reply = new Reply(ct => BeginOutputAsync(run, ct), e => Publish(run, e));
        var usage = run.Usage;
        try
        {
            // :: Step 2: load
            var context = await store.RunContextLoadAsync(run, stop.Token);
            // A run claimed before (resumed after tool outputs) continues from its own earlier turns.
            var ownSteps = run.Attempt > 1 ? (await store.RunStepListAsync(run.ProjectId, run.ThreadId, run.Id, PageRequest.All, stop.Token)).Items : [];
            var ownMessages = run.Attempt > 1 ? (await store.MessageListAsync(run.ProjectId, run.ThreadId, run.Id, PageRequest.All, stop.Token)).Items : [];
            var messages = ChatContext.Messages(run, context, ownSteps, ownMessages);
            if (messages is null)
                return await FinishAsync(run, reply, RunStatus.Incomplete, null, "max_prompt_tokens", usage);
            if (models.Resolve(run.Model) is not { } client)
            {
                return await FinishAsync(run, reply, RunStatus.Failed, new RunError("server_error",
                    $"No model provider serves model '{run.Model}'. Use a built-in model (echo, echo:<ms>) or configure a provider that lists it."), null, usage);
            }

            // :: Step 3: call, and :: Step 4: stream
            var calledAtMs = time.UnixMilliseconds();
            // A handoff: this run waited for the thread's previous run, which ended after this one could start.
            if (run.Attempt == 1 && run.PreviousEndedAtMs is { } previousEnd && previousEnd >= Math.Max(run.CreatedAtMs, run.EligibleAtMs))
                metrics.Handoff(calledAtMs - previousEnd);
            var answer = await caller.CallAsync(client, models.ProviderOf(run.Model)?.Name ?? "built-in", messages,
                ChatContext.Options(run, usage?.CompletionTokens ?? 0), async piece =>
                {
                    if (reply.Output is null)
                        metrics.TimeToFirstToken(time.UnixMilliseconds() - calledAtMs);
                    await reply.AppendAsync(piece, stop.Token);
                }, stop.Token);
            usage = Add(usage, answer.Usage);

            // :: Step 5: persist and release
            if (answer.ToolCalls.Count > 0)
            {
                await RequireActionAsync(run, reply, answer.ToolCalls, usage);
                return null;
            }
            if (answer.FinishReason == ChatFinishReason.Length && run.MaxCompletionTokens is not null)
                return await FinishAsync(run, reply, RunStatus.Incomplete, null, "max_completion_tokens", usage);
            return await FinishAsync(run, reply, RunStatus.Completed, null, null, usage);
        }
        catch (Exception e) when (heartbeat.LeaseLost || e is LeaseLostException)
        {
            // Another process owns the run now; nothing of ours may be written.
            LogLeaseLost(logger, run.Id);
            return null;
        }
        catch (OperationCanceledException) when (heartbeat.CancelRequested)
        {
            return await FinishAsync(run, reply, RunStatus.Cancelled, null, null, usage);
        }
        catch (ModelCallFailedException e)
        {
            LogModelFailed(logger, run.Id, e.Message);
            return await FinishAsync(run, reply, RunStatus.Failed, new RunError(e.Code, e.Message), null, usage);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogRunFailed(logger, run.Id, e);
            return await FinishAsync(run, reply, RunStatus.Failed, new RunError("server_error", "The run failed inside Threadline: " + e.Message), null, usage);
        }
        finally
        {
            heartbeat.Stop();
            hub.Close(run.Id);
        }
    }

    private async Task<Run?> FinishAsync(Run run, Reply reply, string status, RunError? error, string? incompleteReason, Usage? usage)
    {
        // A completed run always leaves a reply, even an empty one, as the hosted API did.
        if (status == RunStatus.Completed)
            await reply.BeginAsync(CancellationToken.None);
        var result = await store.RunFinishAsync(new RunFinish(run.Id, identity.Owner, time.UnixMilliseconds(), status, reply.Output,
            reply.Text, error, incompleteReason, usage) { HandoffLeaseMs = options.Handoff ? (long)options.LeaseTimeout.TotalMilliseconds : null }, CancellationToken.None);
        if (result.Run is null)
        {
            LogLeaseLost(logger, run.Id);
            return null;
        }
        // :: Step 6: announce
        if (result.Reply is { } message)
            Publish(run, RunEvents.MessageEnded(message));
        if (result.Step is { } step)
            Publish(run, RunEvents.StepEnded(step));
        Publish(run, RunEvents.Run(result.Run));
        LogRunEnded(logger, run.Id, result.Run.Status);
        return result.Next;
    }

    private async Task RequireActionAsync(Run run, Reply reply, IReadOnlyList<FunctionCallContent> calls, Usage? usage)
    {
        var toolCalls = new JsonArray(calls.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.CallId,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>()) },
        }).ToArray());
        var expiresAt = time.GetUtcNow().Add(options.ToolOutputsTimeout).ToUnixTimeSeconds();
        var result = await store.RunRequireActionAsync(new RunRequireAction(run.Id, identity.Owner, time.UnixMilliseconds(), reply.Output,
            reply.Text, toolCalls, expiresAt, usage), CancellationToken.None);
        if (result.Run is null)
        {
            LogLeaseLost(logger, run.Id);
            return;
        }
        if (result.CompletedMessage is { } message)
            Publish(run, RunEvents.MessageEnded(message));
        if (result.CompletedStep is { } textStep)
            Publish(run, RunEvents.StepEnded(textStep));
        Publish(run, RunEvents.StepOpened(RunEventNames.StepCreated, result.ToolStep!));
        Publish(run, RunEvents.StepOpened(RunEventNames.StepInProgress, result.ToolStep!));
        Publish(run, RunEvents.ToolCallsDelta(result.ToolStep!));
        Publish(run, RunEvents.Run(result.Run));
        LogRunEnded(logger, run.Id, result.Run.Status);
    }

    private void Publish(Run run, RunEvent e) => hub.Publish(run.Id, e);

    private async Task<RunOutput> BeginOutputAsync(Run run, CancellationToken ct)
    {
        var output = await store.RunOutputBeginAsync(new RunOutputBegin(run.Id, identity.Owner, time.UnixMilliseconds()), ct)
            ?? throw new LeaseLostException();
        foreach (var e in RunEvents.OutputBegun(output))
            Publish(run, e);
        return output;
    }

    private static Usage? Add(Usage? sofar, UsageDetails? call) =>
        call is null ? sofar : (sofar ?? Usage.Of(0, 0)).Add(Usage.Of(call.InputTokenCount ?? 0, call.OutputTokenCount ?? 0));

    /// <summary>The reply being written: begun durably on its first text, streamed as deltas.</summary>
    private sealed class Reply(Func<CancellationToken, Task<RunOutput>> begin, Action<RunEvent> publish)
    {
        private readonly StringBuilder _text = new();

        public RunOutput? Output { get; private set; }
        public string? Text => Output is null ? null : _text.ToString();

        public async Task BeginAsync(CancellationToken ct) => Output ??= await begin(ct);

        public async Task AppendAsync(string piece, CancellationToken ct)
        {
            await BeginAsync(ct);
            _text.Append(piece);
            publish(RunEvents.TextDelta(Output!.Message.Id, piece));
        }
    }

    /// <summary>The run's lease passed to another process while this one worked.</summary>
    private sealed class LeaseLostException() : Exception("The run's lease was lost to another process.");

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Run {RunId} ended {Status}")]
    private static partial void LogRunEnded(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Run {RunId}: lease lost to another process; its result is dropped")]
    private static partial void LogLeaseLost(ILogger logger, string runId);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Run {RunId} failed")]
    private static partial void LogRunFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Run {RunId} failed: {Reason}")]
    private static partial void LogModelFailed(ILogger logger, string runId, string reason);
}

using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using Threadline.Domain;
using Threadline.Models;
using Threadline.Queue.Lifecycle;
using Threadline.Retrieval.FileSearch;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Threadline.Streaming;

namespace Threadline.Queue;

/// <summary>The run a finishing run claimed for the same slot, and when that end became durable (a <see cref="Stopwatch"/> timestamp).</summary>
internal sealed record HandedOff(Run Run, long EndedAt);

/// <summary>Executes one claimed run, from its context to its durable end or its wait for tool outputs.</summary>
internal sealed partial class RunExecutor(
    IStore store, RunLifecycle lifecycle, LeaseKeeper leases, ModelRouter models, ModelCaller caller, RunEventHub hub,
    FileSearchRunner fileSearch, ProcessIdentity identity, QueueOptions options, Telemetry.ThreadlineMetrics metrics, TimeProvider time, ILogger<RunExecutor> logger)
{
    /// <summary>
    /// <list type="number">
    /// <item>Claim: done before (by the scheduler, the request that made the run, or the run before it);
    /// the lease is held for this attempt, the run's event log opened.</item>
    /// <item>Load: the thread as it was when the run started (I4), newest first and only what can be
    /// sent, and the run's own earlier turns.</item>
    /// <item>Call: the model through <see cref="IChatClient"/>, with retries until it has said something.</item>
    /// <item>Stream: the first text opens the reply in memory and on the stream at once; its durable
    /// start is written beside, so no write stands between the model's first token and the client's.</item>
    /// <item>Persist and release: tool calls put the run in <c>requires_action</c>; otherwise reply,
    /// step, status, usage and webhook events are written in one transaction, fenced by the attempt,
    /// which also claims the next run for this slot (handoff).</item>
    /// <item>Announce: the final events; drop the lease; return the handed-off run.</item>
    /// </list>
    /// </summary>
    /// <param name="handedOffAt">When the run was handed to this slot by the run before it (a <see cref="Stopwatch"/> timestamp of that run's durable end).</param>
    public async Task<HandedOff?> ExecuteAsync(Run run, long? handedOffAt, CancellationToken ct)
    {
        // :: Step 1: claim
        var claimedAtMs = time.UnixMilliseconds();
        if (run.Attempt == 1)
        {
            metrics.QueueWait(claimedAtMs - Math.Max(run.CreatedAtMs, run.EligibleAtMs));
            if (run.DebounceMs > 0)
                metrics.DebounceLateness(claimedAtMs - run.EligibleAtMs);
        }
        var log = hub.Open(run.Id, run.Attempt);
        var lease = leases.Hold(run);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Stopping);
        var reply = new Reply(run, time, options.ReplyStoreDelay, log, this,
            output => store.WriteAsync(s => lifecycle.OutputBeginAsync(s, output, lease.Attempt), CancellationToken.None));
        Publish(log, new RunStatusChanged(run));
        try
        {
            return await RunAsync(run, handedOffAt, lease, reply, log, stop.Token);
        }
        catch (Exception e) when (lease.Reason == StopReason.LeaseLost || e is LeaseLostException)
        {
            LogLeaseLost(logger, run.Id, run.Attempt);
            return null;
        }
        catch (OperationCanceledException) when (lease.Reason == StopReason.Released)
        {
            await ReleaseAsync(run, lease, reply);
            return null;
        }
        catch (OperationCanceledException) when (lease.Reason == StopReason.CancelRequested)
        {
            Publish(log, new RunStatusChanged(run with { Status = RunStatus.Cancelling }));
            return await FinishAsync(run, lease, reply, log, RunStatus.Cancelled, null, null, run.Usage);
        }
        catch (StoreUnavailableException e) when (!ct.IsCancellationRequested)
        {
            // Nothing can be written now, not even a failure; the lease lapses and the run is taken over
            // (I5), started again if it had stored no output, by whichever node reaches the database first.
            LogStoreLost(logger, run.Id, run.Attempt, e.InnerException?.Message ?? e.Message);
            log.Fail(e);
            return null;
        }
        catch (ModelCallFailedException e)
        {
            LogModelFailed(logger, run.Id, e.Code);
            return await FinishAsync(run, lease, reply, log, RunStatus.Failed, new RunError(e.Code, e.Message), null, reply.Usage);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The user learns what failed in their words; the exception stays in the log.
            LogRunFailed(logger, run.Id, e);
            return await FinishAsync(run, lease, reply, log, RunStatus.Failed,
                new RunError("server_error", "The run failed inside Threadline; the server log has the details."), null, reply.Usage);
        }
        finally
        {
            leases.Drop(lease);
            hub.Close(log);
        }
    }

    private async Task<HandedOff?> RunAsync(Run run, long? handedOffAt, ExecutionLease lease, Reply reply, RunEventLog log, CancellationToken ct)
    {
        // :: Step 2: load
        var view = RunSettingsView.Of(run);
        var limit = ChatContext.LoadLimit(view, options.MaxContextMessages);
        var (context, ownSteps, ownMessages) = await store.ReadAsync(async s => (
            limit == 0 ? [] : await s.Messages.MessageContextListAsync(new MessageContextList(run.ThreadId,
                Messages.MessagePositions.ContextEnd(run.ContextPosition!.Value), run.Id, limit)),
            // A run claimed before (resumed after tool outputs) continues from its own earlier turns.
            run.Attempt > 1 ? await s.RunSteps.RunStepListByRunAsync(run.Id) : [],
            run.Attempt > 1 ? await s.Messages.MessageListByRunAsync(run.Id) : []), ct);
        var messages = ChatContext.Messages(view, context, ownSteps, ownMessages);
        if (messages is null)
            return await FinishAsync(run, lease, reply, log, RunStatus.Incomplete, null, "max_prompt_tokens", run.Usage);
        if (models.Resolve(run.Model) is not { } client)
        {
            return await FinishAsync(run, lease, reply, log, RunStatus.Failed, new RunError("server_error",
                $"No model provider serves model '{run.Model}'. Use a built-in model (echo, echo:<ms>) or configure a provider that lists it."), null, run.Usage);
        }

        // :: Step 3: call, and :: Step 4: stream
        var calledAtMs = time.UnixMilliseconds();
        // A handoff: this run waited for the thread's previous run, which ended after this one could start.
        if (handedOffAt is { } endedAt)
            metrics.Handoff(Stopwatch.GetElapsedTime(endedAt).TotalMilliseconds);
        else if (run.Attempt == 1 && run.PreviousEndedAtMs is { } previousEnd && previousEnd >= Math.Max(run.CreatedAtMs, run.EligibleAtMs))
            metrics.Handoff(calledAtMs - previousEnd);
        var chatOptions = ChatContext.Options(view, run.Usage?.CompletionTokens ?? 0);
        var stores = view.FileSearch is { } tool ? await fileSearch.StoresAsync(run, tool, ct) : [];
        var sources = new List<string>(); // the file of each source marker the model was shown
        ModelReply answer;
        for (var round = 0; ; round++)
        {
            answer = await caller.CallAsync(client, models.ProviderOf(run.Model)?.Name ?? "built-in", messages, chatOptions, piece =>
            {
                if (reply.FirstTokenAtMs is null)
                {
                    reply.FirstTokenAtMs = time.UnixMilliseconds();
                    metrics.TimeToFirstToken(reply.FirstTokenAtMs.Value - calledAtMs);
                }
                reply.Append(piece);
                return Task.CompletedTask;
            }, ct);
            reply.Usage = Add(reply.Usage, answer.Usage);
            var searches = view.FileSearch is null ? [] : answer.ToolCalls.Where(c => c.Name == FileSearchTool.Name).ToList();
            if (searches.Count == 0 || round == MaxSearchRounds)
                break;
            await SearchAsync(run, view.FileSearch!, stores, searches, sources, messages, lease, log, ct);
        }
        var citations = FileCitations.In(reply.Text, sources);

        // :: Step 5: persist and release
        // A response ends with its calls as items (the client answers with a new response); a run waits for outputs.
        // Searches the model still asks for after the last round are not the client's to answer.
        var calls = answer.ToolCalls.Where(c => view.FileSearch is null || c.Name != FileSearchTool.Name).ToList();
        if (calls.Count > 0 && !run.Response.IsNull)
            return await FinishAsync(run, lease, reply, log, RunStatus.Completed, null, null, reply.Usage, calls, citations);
        if (calls.Count > 0)
        {
            await RequireActionAsync(run, lease, reply, log, calls);
            return null;
        }
        if (answer.FinishReason == ChatFinishReason.Length && run.MaxCompletionTokens is not null)
            return await FinishAsync(run, lease, reply, log, RunStatus.Incomplete, null, "max_completion_tokens", reply.Usage, citations: citations);
        return await FinishAsync(run, lease, reply, log, RunStatus.Completed, null, null, reply.Usage, citations: citations);
    }

    /// <summary>How many rounds of searches a run may make before it must answer.</summary>
    private const int MaxSearchRounds = 3;

    /// <summary>
    /// Runs one round of the model's <c>file_search</c> calls, records them as a completed <c>tool_calls</c>
    /// step (streamed as it is stored), and gives the model the results to answer from.
    /// </summary>
    private async Task SearchAsync(Run run, FileSearchTool tool, IReadOnlyList<string> stores, IReadOnlyList<ToolCall> searches,
        List<string> sources, List<ChatMessage> messages, ExecutionLease lease, RunEventLog log, CancellationToken ct)
    {
        var done = new List<FileSearchCall>(searches.Count);
        foreach (var call in searches)
        {
            var found = await fileSearch.SearchAsync(run, tool, stores, call, sources.Count, ct);
            sources.AddRange(found.Hits.Select(h => h.FileId));
            done.Add(found);
        }
        var step = await store.WriteAsync(s => lifecycle.ServerToolStepAsync(s, run.Id, lease.Attempt, FileSearchRunner.StepDetails(done, tool)), CancellationToken.None)
            ?? throw new LeaseLostException();
        Publish(log, new StepStarted(step));
        Publish(log, new StepEnded(step));
        messages.Add(new ChatMessage(ChatRole.Assistant, searches.Select(c =>
            (AIContent)new FunctionCallContent(c.Id, c.Name, ChatContext.Arguments(c.Arguments)) { RawRepresentation = c.Arguments }).ToList()));
        messages.Add(new ChatMessage(ChatRole.Tool, done.Select(c =>
            (AIContent)new FunctionResultContent(c.CallId, c.ForModel()) { RawRepresentation = c }).ToList()));
    }

    private async Task<HandedOff?> FinishAsync(Run run, ExecutionLease lease, Reply reply, RunEventLog log, string status, RunError? error, string? incompleteReason, Usage? usage,
        IReadOnlyList<ToolCall>? calls = null, IReadOnlyList<FileCitation>? citations = null)
    {
        // A completed run always leaves a reply, even an empty one, as the hosted API did (unless it ends with calls).
        if (status == RunStatus.Completed && calls is not { Count: > 0 })
            reply.Begin();
        var (held, storeWithEnd) = await reply.SettleAsync();
        if (!held)
        {
            LogLeaseLost(logger, run.Id, run.Attempt);
            return null;
        }
        var finish = new RunFinish(run.Id, lease.Attempt, status, reply.Output, reply.Output is null ? null : reply.Text, error, incompleteReason, usage)
        {
            StoreOutput = storeWithEnd,
            Handoff = options.Handoff && lease.Reason != StopReason.Released ? new ClaimFor(identity.Owner, (long)options.LeaseTimeout.TotalMilliseconds) : null,
            Calls = calls ?? [],
            Citations = citations ?? [],
            FirstTokenAtMs = reply.FirstTokenAtMs,
        };
        var ended = await store.WriteAsync(s => lifecycle.FinishAsync(s, finish), CancellationToken.None);
        if (ended is null)
        {
            LogLeaseLost(logger, run.Id, run.Attempt);
            return null;
        }
        // :: Step 6: announce
        if (ended.Reply is { } message)
            Publish(log, new MessageEnded(message));
        if (ended.Step is { } step)
            Publish(log, new StepEnded(step));
        foreach (var call in ended.Calls)
            Publish(log, new MessageEnded(call));
        Publish(log, new RunStatusChanged(ended.Run));
        LogRunEnded(logger, run.Id, ended.Run.Status);
        return ended.Next is { } next ? new HandedOff(next, Stopwatch.GetTimestamp()) : null;
    }

    private async Task RequireActionAsync(Run run, ExecutionLease lease, Reply reply, RunEventLog log, IReadOnlyList<ToolCall> calls)
    {
        var (held, storeWithEnd) = await reply.SettleAsync();
        if (!held)
            throw new LeaseLostException();
        var expiresAt = time.GetUtcNow().Add(options.ToolOutputsTimeout).ToUnixTimeSeconds();
        var require = new RunRequireAction(run.Id, lease.Attempt, reply.Output, reply.Text, calls, expiresAt, reply.Usage) { StoreOutput = storeWithEnd, FirstTokenAtMs = reply.FirstTokenAtMs };
        var result = await store.WriteAsync(s => lifecycle.RequireActionAsync(s, require), CancellationToken.None)
            ?? throw new LeaseLostException();
        if (result.CompletedMessage is { } message)
            Publish(log, new MessageEnded(message));
        if (result.CompletedStep is { } textStep)
            Publish(log, new StepEnded(textStep));
        Publish(log, new StepStarted(result.ToolStep));
        Publish(log, new ToolCallsRequested(result.ToolStep));
        Publish(log, new RunStatusChanged(result.Run));
        LogRunEnded(logger, run.Id, result.Run.Status);
    }

    /// <summary>Shutdown: the run goes back to the queue (or fails, if it wrote output) so that another process takes it at once.</summary>
    private async Task ReleaseAsync(Run run, ExecutionLease lease, Reply reply)
    {
        try
        {
            // A reply whose start was never stored counts as no output: the run starts again elsewhere.
            var (_, unstored) = await reply.SettleAsync();
            var output = unstored ? null : reply.Output;
            var status = await store.WriteAsync(s => lifecycle.ReleaseAsync(s, run.Id, lease.Attempt, output, reply.Text), CancellationToken.None);
            LogReleased(logger, run.Id, status ?? "(already taken over)");
        }
        catch (Exception e)
        {
            LogReleaseFailed(logger, run.Id, e);
        }
    }

    private void Publish(RunEventLog log, RunEvent e) => hub.Publish(log, e);

    private static Usage? Add(Usage? sofar, UsageDetails? call) =>
        call is null ? sofar : (sofar ?? Usage.Of(0, 0)).Add(Usage.Of(call.InputTokenCount ?? 0, call.OutputTokenCount ?? 0));

    /// <summary>
    /// The reply being written: begun in memory on its first text (its ids minted, its opening events
    /// out at once), its start stored after <see cref="QueueOptions.ReplyStoreDelay"/> beside the
    /// stream, or with the run's end when the run ends sooner (one commit instead of two).
    /// </summary>
    private sealed class Reply(Run run, TimeProvider time, TimeSpan storeDelay, RunEventLog log, RunExecutor executor, Func<RunOutput, Task<bool>> store)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();
        private Task<bool>? _stored;
        private ITimer? _timer;
        private bool _settled;

        public RunOutput? Output { get; private set; }
        public bool Begun => Output is not null;
        public string Text => _text.ToString();
        public Usage? Usage { get; set; } = run.Usage;

        /// <summary>When the model's first piece arrived (unix ms); stored with the run's end, so it costs no write of its own.</summary>
        public long? FirstTokenAtMs { get; set; }

        public void Begin()
        {
            if (Output is not null)
                return;
            Output = RunOutput.Begin(run, time.UnixSeconds());
            executor.Publish(log, new StepStarted(Output.Step));
            executor.Publish(log, new MessageStarted(Output.Message));
            if (storeDelay <= TimeSpan.Zero)
                StartStoring();
            else
                _timer = time.CreateTimer(_ => StartStoring(), null, storeDelay, Timeout.InfiniteTimeSpan);
        }

        public void Append(string piece)
        {
            Begin();
            _text.Append(piece);
            executor.Publish(log, new TextAppended(Output!.Message.Id, piece));
        }

        private void StartStoring()
        {
            lock (_lock)
            {
                if (!_settled && _stored is null)
                    _stored = store(Output!);
            }
        }

        /// <summary>
        /// Called once, when the run ends or waits: whether the execution still held the run when its
        /// reply was stored, and whether the end must store the reply's start itself.
        /// </summary>
        public async Task<(bool Held, bool StoreWithEnd)> SettleAsync()
        {
            Task<bool>? stored;
            lock (_lock)
            {
                _settled = true;
                _timer?.Dispose();
                stored = _stored;
            }
            if (stored is null)
                return (true, Output is not null);
            return (await stored, false);
        }
    }

    /// <summary>The run's claim was superseded while this execution worked.</summary>
    private sealed class LeaseLostException() : Exception("The run's lease was lost to another claim.");

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Run {RunId} ended {Status}")]
    private static partial void LogRunEnded(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Run {RunId}: attempt {Attempt} no longer holds the run; its result is dropped")]
    private static partial void LogLeaseLost(ILogger logger, string runId, int attempt);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Run {RunId} failed inside Threadline")]
    private static partial void LogRunFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Run {RunId} failed calling its model: {Code}")]
    private static partial void LogModelFailed(ILogger logger, string runId, string code);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "Run {RunId} released at shutdown: {Status}")]
    private static partial void LogReleased(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "Run {RunId}: attempt {Attempt} stopped, the database is unavailable ({Reason}); the run is taken over once its lease lapses")]
    private static partial void LogStoreLost(ILogger logger, string runId, int attempt, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Error, Message = "Run {RunId} could not be released at shutdown; its lease will lapse")]
    private static partial void LogReleaseFailed(ILogger logger, string runId, Exception exception);
}

using System.Text;
using Microsoft.Extensions.AI;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Models;
using Threadline.Runs;
using Threadline.Storage;

namespace Threadline.Queue;

/// <summary>Executes one claimed run, from its context to its durable end.</summary>
internal sealed partial class RunExecutor(
    IThreadlineStore store, ModelRouter models, ActiveRuns active, ProcessIdentity identity, QueueOptions options,
    TimeProvider time, ILogger<RunExecutor> logger)
{
    /// <summary>
    /// <list type="number">
    /// <item>Claim: done by the scheduler; the lease is ours until it lapses.</item>
    /// <item>Load: the thread as it was when the run started (I4), plus the run's instructions.</item>
    /// <item>Call: the model through <see cref="IChatClient"/>, while a heartbeat renews the lease and watches for cancel.</item>
    /// <item>Stream: collect the reply as the model produces it.</item>
    /// <item>Persist and release: reply, step, status and usage in one transaction, only while the lease is still ours.</item>
    /// </list>
    /// </summary>
    public async Task ExecuteAsync(ClaimedRun claimed, CancellationToken ct)
    {
        var run = claimed.Run;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var heartbeat = new Heartbeat(store, run.Id, identity.Owner, options, time, stop);
        using var tracking = active.Track(run.Id, heartbeat.RequestCancel);
        var reply = new StringBuilder();
        Usage? usage = null;
        RunFinish finish;
        try
        {
            // :: Step 2: load
            var context = await store.RunContextLoadAsync(run.ThreadId, claimed.ContextPosition, stop.Token);
            var client = models.Resolve(run.Model);
            if (client is null)
            {
                finish = Finish(run, claimed, RunStatus.Failed, null, new RunError("server_error",
                    $"No model provider serves model '{run.Model}'. Use a built-in model (echo, echo:<ms>) or configure a provider that lists it."), usage);
            }
            else
            {
                // :: Step 3: call, and :: Step 4: stream
                await foreach (var update in client.GetStreamingResponseAsync(ChatContext.Messages(run, context), ChatContext.Options(run), stop.Token))
                {
                    reply.Append(update.Text);
                    foreach (var content in update.Contents.OfType<UsageContent>())
                        usage = Usage.Of(content.Details.InputTokenCount ?? 0, content.Details.OutputTokenCount ?? 0);
                    if (update.Contents.OfType<FunctionCallContent>().Any())
                        throw new NotSupportedException("Function tool calls are not supported yet.");
                }
                finish = Finish(run, claimed, RunStatus.Completed, reply.ToString(), null, usage);
            }
        }
        catch (OperationCanceledException) when (heartbeat.LeaseLost)
        {
            // Another process owns the run now; nothing of ours may be written.
            LogLeaseLost(logger, run.Id);
            return;
        }
        catch (OperationCanceledException) when (heartbeat.CancelRequested)
        {
            finish = Finish(run, claimed, RunStatus.Cancelled, reply.ToString(), null, usage);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogRunFailed(logger, run.Id, e);
            finish = Finish(run, claimed, RunStatus.Failed, reply.Length > 0 ? reply.ToString() : null,
                new RunError("server_error", "The model call failed: " + e.Message), usage);
        }

        // :: Step 5: persist and release
        heartbeat.Stop();
        var result = await store.RunFinishAsync(finish, CancellationToken.None);
        if (result.Run is null)
            LogLeaseLost(logger, run.Id);
        else
            LogRunEnded(logger, run.Id, result.Run.Status);
    }

    private RunFinish Finish(Run run, ClaimedRun claimed, string status, string? reply, RunError? error, Usage? usage) =>
        new(run.Id, identity.Owner, time.UnixMilliseconds(), claimed.ContextPosition, status, reply, error, null, usage);

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Run {RunId} ended {Status}")]
    private static partial void LogRunEnded(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Run {RunId}: lease lost to another process; its result is dropped")]
    private static partial void LogLeaseLost(ILogger logger, string runId);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Run {RunId} failed")]
    private static partial void LogRunFailed(ILogger logger, string runId, Exception exception);
}

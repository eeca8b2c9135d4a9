using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Streaming;
using Threadline.Threads;

namespace Threadline.Responses;

/// <summary>A created response, and whether the call joined one that was waiting (<c>debounce_ms</c>) instead of making it.</summary>
internal sealed record Made(Run Run, bool Joined);

/// <summary>
/// Responses over the run lifecycle: a response is a run, on its conversation's thread (queued behind
/// the runs before it, never refused unless strict mode says so), on the thread of the response it
/// follows, or on a thread of its own.
/// </summary>
internal sealed class ResponseService(IStore store, RunService runs, RunEventFeed feed)
{
    /// <summary>
    /// The response as made (queued, or already claimed to start here), or the waiting debounced response
    /// of the conversation it joined (<see cref="Made.Joined"/>).
    /// </summary>
    public async Task<Outcome<Made>> CreateAsync(string projectId, NewResponse request, CancellationToken ct)
    {
        string threadId;
        if (request.Conversation is { } conversation)
            threadId = conversation;
        else if (request.PreviousResponseId is { } previous)
        {
            if (await FindAsync(projectId, previous, ct) is not { } before)
                return new NotFound("response", previous);
            threadId = before.ThreadId;
        }
        else
        {
            if (CallIdsAnswered(request.Input).FirstOrDefault() is { } orphan)
                return new FunctionCallMissing(orphan);
            var alone = await runs.CreateThreadAndRunAsync(projectId,
                new CreateThreadAndRun(request.Settings, new NewThread(null, RawJson.Null, RawJson.EmptyObject, request.Input), null), ct);
            return alone.Problem is { } problem ? problem : MadeOf(alone.Value!);
        }
        foreach (var callId in CallIdsAnswered(request.Input))
            if (!await store.ReadAsync(s => s.Messages.MessageFunctionCallExistsAsync(threadId, callId), ct))
                return new FunctionCallMissing(callId);
        var made = await runs.CreateAsync(projectId, threadId, new CreateRun(request.Settings, null, request.Input), ct);
        return made.Problem is { } refused ? refused : MadeOf(made.Value!);
    }

    /// <summary>The call ids of the input's function call outputs whose calls are not in the input too: the thread must hold them.</summary>
    private static IEnumerable<string> CallIdsAnswered(IReadOnlyList<NewMessage> input)
    {
        var called = input.Where(m => m.Role == MessageRole.FunctionCall).Select(m => FunctionItems.Call(m.Content).CallId).ToHashSet();
        return input.Where(m => m.Role == MessageRole.FunctionCallOutput).Select(m => FunctionItems.Output(m.Content).CallId).Where(id => !called.Contains(id));
    }

    /// <summary>The response as the create left it: already started, when the create claimed it to start here.</summary>
    private static Made MadeOf(Queue.Lifecycle.RunCreateResult result) =>
        new(result.Claimed is { } claimed && claimed.Id == result.Run!.Id ? claimed : result.Run!, result.Joined);

    /// <summary>
    /// The response's events from now on, for its stream: a run executed on another node arrives as that
    /// node's Assistants frames, turned back into domain events (<see cref="RelayedRunEvents"/>).
    /// </summary>
    public IAsyncEnumerable<RunEvent> EventsAsync(Run run, CancellationToken ct) =>
        RelayedRunEvents.AsDomainEvents(feed.ReadAsync(run, 0, new HashSet<string>(), ct), run, store, ct);

    /// <summary>
    /// Waits until the response is done (or, for one that waits for tool outputs, stops), through the same
    /// feed a stream reads; the caller going away ends the wait, not the response. Once <paramref name="hangUp"/>
    /// fires, the response is answered as it stands (another process will run it).
    /// </summary>
    public async Task<Run> WaitAsync(Run run, CancellationToken ct, CancellationToken hangUp = default)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct, hangUp);
        try
        {
            await foreach (var e in feed.ReadAsync(run, 0, new HashSet<string>(), waiting.Token))
                if (e.EndsStream)
                    break;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Hung up: answered as it stands, like a background response, for the client to poll.
        }
        return await store.ReadAsync(s => s.Runs.RunGetByIdAsync(run.Id), ct) ?? run;
    }

    public async Task<Outcome<(Run Run, IReadOnlyList<Message> Output)>> GetAsync(string projectId, string responseId, CancellationToken ct)
    {
        if (await FindAsync(projectId, responseId, ct) is not { } run)
            return new NotFound("response", responseId);
        return (run, await OutputAsync(run, ct));
    }

    public async Task<IReadOnlyList<Message>> OutputAsync(Run run, CancellationToken ct) =>
        (await store.ReadAsync(s => s.Messages.MessageListAsync(run.ProjectId, run.ThreadId, run.Id, new PageRequest(100, false, null, null), messagesOnly: false), ct)).Items;

    public async Task<Outcome<Run>> CancelAsync(string projectId, string responseId, CancellationToken ct)
    {
        if (await FindAsync(projectId, responseId, ct) is not { } run)
            return new NotFound("response", responseId);
        var cancelled = await runs.CancelAsync(projectId, run.ThreadId, run.Id, ct);
        return cancelled.Problem is { } problem ? problem : await WaitAsync(cancelled.Value!, ct);
    }

    /// <summary>
    /// Deletes an ended response (its run and steps). What it wrote stays in its conversation, as hosted:
    /// the items are the conversation's. One still queued or running is refused: cancel it first.
    /// </summary>
    public Task<Outcome<bool>> DeleteAsync(string projectId, string responseId, CancellationToken ct) =>
        store.WriteAsync<Outcome<bool>>(async s =>
        {
            if (await s.Runs.RunGetByIdAsync(responseId) is not { } run || !IsResponseOf(run, projectId))
                return new NotFound("response", responseId);
            return await s.Runs.RunDeleteEndedAsync(run.Id) ? true : new RunStatusRefused(run.Status, RunOperation.Delete);
        }, ct);

    /// <summary>
    /// The items the response was created with, by the ids it recorded (those deleted since are left out),
    /// a page at a time: newest first unless <c>order=asc</c>, after the item <c>after</c>.
    /// </summary>
    public async Task<Outcome<Page<Message>>> InputItemsAsync(string projectId, string responseId, PageRequest page, CancellationToken ct)
    {
        if (await FindAsync(projectId, responseId, ct) is not { } run)
            return new NotFound("response", responseId);
        IEnumerable<string> ids = ResponseFields.Parse(run.Response).InputIds;
        if (page.Descending)
            ids = ids.Reverse();
        if (page.After is { } after)
            ids = ids.SkipWhile(id => id != after).Skip(1);
        var items = new List<Message>(page.Limit);
        var hasMore = false;
        await store.ReadAsync(async s =>
        {
            foreach (var id in ids)
            {
                if (await s.Messages.MessageGetAsync(projectId, run.ThreadId, id) is not { } item)
                    continue;
                if (items.Count == page.Limit)
                {
                    hasMore = true;
                    break;
                }
                items.Add(item);
            }
            return true;
        }, ct);
        return new Page<Message>(items, hasMore);
    }

    /// <summary>A response of the project: a run made through the Responses API.</summary>
    private async Task<Run?> FindAsync(string projectId, string responseId, CancellationToken ct) =>
        await store.ReadAsync(s => s.Runs.RunGetByIdAsync(responseId), ct) is { } run && IsResponseOf(run, projectId) ? run : null;

    private static bool IsResponseOf(Run run, string projectId) => run.ProjectId == projectId && !run.Response.IsNull;
}

using System.Runtime.CompilerServices;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage;

namespace Threadline.Streaming;

/// <summary>
/// The events of a run for one stream, from the moment it attaches until the run ends or needs tool
/// outputs. An execution in this process is followed live in <see cref="RunEventHub"/>, piece by
/// piece; an execution on another node through a mirror of its log (<see cref="IRunEventRelay"/>),
/// the same events byte for byte; otherwise (no relay, or the relay fell silent) the stream waits for
/// the store's change announcements and, once the run settles, rebuilds its events from what was
/// stored (without per-token deltas).
/// </summary>
internal sealed class RunEventFeed(RunEventHub hub, IRunEventRelay relay, IStore store, TimeProvider time)
{
    /// <summary>A safety net only: announcements wake a waiting stream long before this.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    /// <summary>How long a mirror may lag behind the database's news that its execution is over before the stream stops waiting for it.</summary>
    private static readonly TimeSpan MirrorGrace = TimeSpan.FromSeconds(3);

    /// <param name="run">The run as the stream's request left it.</param>
    /// <param name="afterAttempt">Executions of the run already reported (a resumed run's earlier ones).</param>
    /// <param name="knownSteps">Steps the stream has no need to announce again.</param>
    public async IAsyncEnumerable<RunEvent> ReadAsync(Run run, int afterAttempt, IReadOnlySet<string> knownSteps, [EnumeratorCancellation] CancellationToken ct)
    {
        var seen = new Seen(new HashSet<string>(knownSteps));
        while (!ct.IsCancellationRequested)
        {
            if (hub.Find(run.Id) is { } log && log.Attempt > afterAttempt)
            {
                hub.Follow(log);
                try
                {
                    await foreach (var e in FollowAsync(log, seen, mirrored: false, ct))
                    {
                        yield return e;
                        if (e.EndsStream)
                            yield break;
                    }
                }
                finally
                {
                    hub.Leave(log);
                }
                if (log.Fault is { } fault)
                    throw fault; // the database is gone for now: the stream ends with the error, without waiting on it again
                afterAttempt = log.Attempt; // the execution stopped without an ending (lost, or released at shutdown)
            }

            // Subscribe before reading, so that a change between the read and the wait is not missed.
            var changed = store.Changes.WhenRunChangesAsync(run.Id);
            var opened = hub.NextOpened;
            var current = await store.ReadAsync(s => s.Runs.RunGetByIdAsync(run.Id), ct);
            if (current is null)
            {
                store.Changes.StopWaiting(run.Id, changed);
                yield break;
            }
            if (hub.Find(run.Id) is { } live && live.Attempt > afterAttempt)
                continue; // an execution began here meanwhile: follow it live
            if (current.IsTerminal || (current.Status == RunStatus.RequiresAction && current.Attempt > afterAttempt))
            {
                store.Changes.StopWaiting(run.Id, changed);
                // An execution on another node that ended before this stream saw it start: that node keeps
                // its log a while for a reader that comes late (StreamLinger), so ask for it before
                // settling for the database's version, which has no per-token deltas.
                if (current.StartedAt is not null && current.Attempt > afterAttempt && relay.Follow(run.Id, current.Attempt) is { } late)
                {
                    var ended = false;
                    try
                    {
                        // Real time: the grace is for the relay's round trips, not for anything the queue's clock schedules.
                        await foreach (var e in FollowAsync(late, seen, mirrored: true, ct, overSince: TimeProvider.System))
                        {
                            yield return e;
                            if (ended = e.EndsStream)
                                break;
                        }
                    }
                    finally
                    {
                        relay.Unfollow(late);
                    }
                    if (ended)
                        yield break;
                }
                foreach (var e in await RebuildAsync(current, seen.Steps, seen.Started, ct))
                    yield return e;
                yield break;
            }
            if (current.Status is RunStatus.InProgress or RunStatus.Cancelling && current.Attempt > afterAttempt
                && relay.Follow(run.Id, current.Attempt) is { } mirror)
            {
                store.Changes.StopWaiting(run.Id, changed);
                try
                {
                    await foreach (var e in FollowAsync(mirror, seen, mirrored: true, ct))
                    {
                        yield return e;
                        if (e.EndsStream)
                            yield break;
                    }
                }
                finally
                {
                    relay.Unfollow(mirror);
                }
                afterAttempt = mirror.Attempt; // the relay fell silent: the database has the rest
                continue;
            }
            await Task.WhenAny(changed, opened, Task.Delay(Recheck, time, ct));
        }
    }

    /// <summary>What a stream has shown: the steps it announced, and whether it showed the run starting.</summary>
    private sealed record Seen(HashSet<string> Steps)
    {
        public bool Started { get; set; }
    }

    /// <summary>
    /// An execution's log from its first event until it closes. A mirror may fall silent (the node
    /// executing it died, the relay failed, the database hangs): at each change of the run, and at
    /// least every <see cref="Recheck"/>, the database is asked; once it says the execution is over,
    /// the mirror gets <see cref="MirrorGrace"/> to catch up before the stream turns to the database.
    /// </summary>
    /// <param name="overSince">The database shows the execution over already: the mirror has its grace from now, on this clock.</param>
    private async IAsyncEnumerable<RunEvent> FollowAsync(RunEventLog log, Seen seen, bool mirrored, [EnumeratorCancellation] CancellationToken ct,
        TimeProvider? overSince = null)
    {
        var cursor = 0;
        var graceClock = overSince ?? time;
        long? giveUpAt = overSince is not null ? graceClock.GetUtcNow().ToUnixTimeMilliseconds() + (long)MirrorGrace.TotalMilliseconds : null;
        Task? changed = null;
        try
        {
            while (true)
            {
                if (mirrored && giveUpAt is null)
                    changed = store.Changes.WhenRunChangesAsync(log.RunId);
                var (events, closed, next) = log.ReadFrom(cursor);
                foreach (var e in events)
                {
                    cursor++;
                    if (e.OpensStep is { } step)
                        seen.Steps.Add(step);
                    seen.Started |= e.StartsExecution;
                    yield return e;
                }
                if (closed)
                    yield break;
                if (events.Length > 0)
                    continue;
                if (giveUpAt is { } at)
                {
                    if (!await WaitUntilAsync(next, at, graceClock, ct))
                        yield break;
                }
                else if (changed is null)
                    await next.WaitAsync(ct);
                else if (await Task.WhenAny(next, changed, Task.Delay(Recheck, time, ct)) != next && await ExecutionOverAsync(log, ct))
                    giveUpAt = graceClock.GetUtcNow().ToUnixTimeMilliseconds() + (long)MirrorGrace.TotalMilliseconds;
            }
        }
        finally
        {
            if (changed is { IsCompleted: false })
                store.Changes.StopWaiting(log.RunId, changed);
        }
    }

    /// <summary>Whether the database shows the log's execution over (the run ended, waits, or another execution took it).</summary>
    private async Task<bool> ExecutionOverAsync(RunEventLog log, CancellationToken ct) =>
        await store.ReadAsync(s => s.Runs.RunGetByIdAsync(log.RunId), ct) is not { } run
        || run.Attempt != log.Attempt || run.Status is not (RunStatus.InProgress or RunStatus.Cancelling);

    /// <returns>False when <paramref name="atMs"/> passed first.</returns>
    private static async Task<bool> WaitUntilAsync(Task next, long atMs, TimeProvider clock, CancellationToken ct)
    {
        var left = atMs - clock.GetUtcNow().ToUnixTimeMilliseconds();
        return left > 0 && await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(left), clock, ct)) == next;
    }

    /// <summary>The events a stream would have seen, from the stored steps and messages of a settled run.</summary>
    private async Task<List<RunEvent>> RebuildAsync(Run run, HashSet<string> announced, bool sawStart, CancellationToken ct)
    {
        var (steps, messages) = await store.ReadAsync(async s =>
            (await s.RunSteps.RunStepListByRunAsync(run.Id), await s.Messages.MessageListByRunAsync(run.Id)), ct);
        var events = new List<RunEvent>();
        if (run.StartedAt is not null && !sawStart)
            events.Add(new RunStatusChanged(run with { Status = RunStatus.InProgress, CompletedAt = null }));
        foreach (var step in steps.Where(s => !announced.Contains(s.Id)))
        {
            events.Add(new StepStarted(step));
            if (step.Type == RunStepType.MessageCreation && messages.FirstOrDefault(m => step.StepDetails.Text.Contains(m.Id, StringComparison.Ordinal)) is { } message)
            {
                events.Add(new MessageStarted(message with { Status = MessageStatus.InProgress }));
                if (message.Text is { Length: > 0 } text)
                    events.Add(new TextAppended(message.Id, text));
                if (message.Status != MessageStatus.InProgress)
                    events.Add(new MessageEnded(message));
            }
            else if (step.Type == RunStepType.ToolCalls)
            {
                events.Add(new ToolCallsRequested(step));
            }
            if (step.Status != RunStepStatus.InProgress)
                events.Add(new StepEnded(step));
        }
        // A response's function calls are items of the run without steps, announced only with its end.
        foreach (var call in messages.Where(m => m.Role == MessageRole.FunctionCall))
            events.Add(new MessageEnded(call));
        events.Add(new RunStatusChanged(run));
        return events;
    }
}

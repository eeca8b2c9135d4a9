using System.Runtime.CompilerServices;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage;

namespace Threadline.Streaming;

/// <summary>
/// The events of a run for one stream, from the moment it attaches until the run ends or needs tool
/// outputs. An execution in this process is followed live in <see cref="RunEventHub"/>, piece by
/// piece; otherwise the stream waits for the store's change announcements and, once the run
/// settles, rebuilds its events from what was stored (without per-token deltas).
/// </summary>
internal sealed class RunEventFeed(RunEventHub hub, IStore store, TimeProvider time)
{
    /// <summary>A safety net only: announcements wake a waiting stream long before this.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    /// <param name="run">The run as the stream's request left it.</param>
    /// <param name="afterAttempt">Executions of the run already reported (a resumed run's earlier ones).</param>
    /// <param name="knownSteps">Steps the stream has no need to announce again.</param>
    public async IAsyncEnumerable<RunEvent> ReadAsync(Run run, int afterAttempt, IReadOnlySet<string> knownSteps, [EnumeratorCancellation] CancellationToken ct)
    {
        var announced = new HashSet<string>(knownSteps);
        var sawStart = false;
        while (!ct.IsCancellationRequested)
        {
            if (hub.Find(run.Id) is { } log && log.Attempt > afterAttempt)
            {
                Interlocked.Increment(ref log.Readers);
                try
                {
                    var cursor = 0;
                    while (true)
                    {
                        var (events, closed, next) = log.ReadFrom(cursor);
                        foreach (var e in events)
                        {
                            cursor++;
                            if (e is StepStarted started)
                                announced.Add(started.Step.Id);
                            sawStart |= e is RunStatusChanged { Run.Status: RunStatus.InProgress };
                            yield return e;
                            if (e.EndsStream)
                                yield break;
                        }
                        if (closed)
                            break;
                        await next.WaitAsync(ct);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref log.Readers);
                }
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
                foreach (var e in await RebuildAsync(current, announced, sawStart, ct))
                    yield return e;
                yield break;
            }
            await Task.WhenAny(changed, opened, Task.Delay(Recheck, time, ct));
        }
    }

    /// <summary>The events a stream would have seen, from the stored steps and messages of a settled run.</summary>
    private async Task<List<RunEvent>> RebuildAsync(Run run, HashSet<string> announced, bool sawStart, CancellationToken ct)
    {
        var (steps, messages) = await store.ReadAsync(async s =>
            (await s.RunSteps.RunStepListByRunAsync(run.Id), await s.Messages.MessageListByRunAsync(run.Id)), ct);
        var events = new List<RunEvent>();
        if (run.StartedAt is not null && !sawStart)
            events.Add(new RunStatusChanged(run with { Status = RunStatus.InProgress }));
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
        events.Add(new RunStatusChanged(run));
        return events;
    }
}

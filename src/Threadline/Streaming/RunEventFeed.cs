using System.Runtime.CompilerServices;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage;

namespace Threadline.Streaming;

/// <summary>
/// The events of a run for a stream, from the moment it attaches until the run ends or needs tool
/// outputs. A run this process executes is read live from <see cref="RunEventHub"/>, token by token;
/// a run another process executes is followed in the database and its events are rebuilt from
/// what was stored (without per-token deltas).
/// </summary>
internal sealed class RunEventFeed(RunEventHub hub, IThreadlineStore store, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <param name="run">The run as the stream's request left it.</param>
    /// <param name="afterGeneration">Executions of the run already reported (a resumed run's earlier ones).</param>
    /// <param name="knownSteps">Steps the stream has no need to announce again.</param>
    public async IAsyncEnumerable<RunEvent> ReadAsync(Run run, int afterGeneration, IReadOnlySet<string> knownSteps, [EnumeratorCancellation] CancellationToken ct)
    {
        var announced = new HashSet<string>(knownSteps);
        var sawStart = false;
        while (!ct.IsCancellationRequested)
        {
            if (hub.Find(run.Id) is { } log && log.Generation > afterGeneration)
            {
                await foreach (var e in log.ReadAllAsync(ct))
                {
                    if (e.Data is RunStepObject step)
                        announced.Add(step.Id);
                    sawStart |= e.Name == RunEventNames.InProgress;
                    yield return e;
                    if (e.EndsStream)
                        yield break;
                }
                afterGeneration = log.Generation; // the execution stopped without an ending (its lease was lost)
            }

            var current = await store.RunGetAsync(run.ProjectId, run.ThreadId, run.Id, ct);
            if (current is null)
                yield break;
            if (hub.Find(run.Id) is { } opened && opened.Generation > afterGeneration)
                continue; // an execution began here meanwhile: read it live
            if (current.IsTerminal || current.Status == RunStatus.RequiresAction)
            {
                foreach (var e in await RebuildAsync(current, announced, sawStart, ct))
                    yield return e;
                yield break;
            }
            await Task.WhenAny(hub.WhenOpenedAsync(run.Id, afterGeneration), Task.Delay(PollInterval, time, ct));
        }
    }

    /// <summary>The events a stream would have seen, from the stored steps and messages of a settled run.</summary>
    private async Task<List<RunEvent>> RebuildAsync(Run run, HashSet<string> announced, bool sawStart, CancellationToken ct)
    {
        var events = new List<RunEvent>();
        if (run.StartedAt is not null && !sawStart)
            events.Add(RunEvents.Run(RunEventNames.InProgress, run with { Status = RunStatus.InProgress }));
        var steps = (await store.RunStepListAsync(run.ProjectId, run.ThreadId, run.Id, PageRequest.All, ct)).Items;
        var messages = (await store.MessageListAsync(run.ProjectId, run.ThreadId, run.Id, PageRequest.All, ct)).Items;
        foreach (var step in steps.Where(s => !announced.Contains(s.Id)))
        {
            events.Add(RunEvents.StepOpened(RunEventNames.StepCreated, step));
            events.Add(RunEvents.StepOpened(RunEventNames.StepInProgress, step));
            if (step.Type == RunStepType.MessageCreation
                && messages.FirstOrDefault(m => m.Id == (string?)step.StepDetails["message_creation"]?["message_id"]) is { } message)
            {
                events.Add(RunEvents.Message(RunEventNames.MessageCreated, message with { Status = MessageStatus.InProgress }));
                events.Add(RunEvents.Message(RunEventNames.MessageInProgress, message with { Status = MessageStatus.InProgress }));
                if (message.Text.Length > 0)
                    events.Add(RunEvents.TextDelta(message.Id, message.Text));
                if (message.Status != MessageStatus.InProgress)
                    events.Add(RunEvents.MessageEnded(message));
            }
            else if (step.Type == RunStepType.ToolCalls)
            {
                events.Add(RunEvents.ToolCallsDelta(step));
            }
            if (step.Status != "in_progress")
                events.Add(RunEvents.StepEnded(step));
        }
        events.Add(RunEvents.Run(run));
        return events;
    }
}

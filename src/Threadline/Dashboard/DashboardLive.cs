using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Threadline.Api;
using Threadline.Domain;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Streaming;

namespace Threadline.Dashboard;

/// <summary>
/// The dashboard's server-sent events, from the same sources as the API's streams: the store's change
/// announcements (which on PostgreSQL include other nodes' commits) tell a page to look again, and a
/// run's domain events (<see cref="RunEventFeed"/>, followed live here or relayed from the node that
/// executes it) are projected to the run page's frames. Both end, without <c>done</c>, at <c>hangUp</c> (the
/// server begins to stop): a page's <c>EventSource</c> then reconnects (to another node, behind a load
/// balancer), where an open page would otherwise hold the process for its whole shutdown timeout.
/// </summary>
internal sealed class DashboardLive
{
    private readonly IStore _store;
    private readonly RunEventFeed _feed;
    private readonly TimeProvider _time;
    private int _open;

    public DashboardLive(IStore store, RunEventFeed feed, TimeProvider time, Telemetry.ThreadlineMetrics metrics)
    {
        (_store, _feed, _time) = (store, feed, time);
        metrics.Observe("threadline.dashboard.streams", "Dashboard pages following the server's changes.", () => Volatile.Read(ref _open));
    }

    /// <summary>A page reloads at most this often however busy the server is.</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(250);

    /// <summary>A frame on an idle stream now and then, so that proxies keep it open and a dead client is noticed.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(25);

    private static readonly SseFrame Ping = new("ping", "{}"u8.ToArray());

    public Task ChangesAsync(HttpResponse response, CancellationToken hangUp) =>
        EventStream.WriteAsync(response, [], Changes, static f => [f], hangUp);

    private async IAsyncEnumerable<SseFrame> Changes([EnumeratorCancellation] CancellationToken ct)
    {
        var signal = new WakeSignal();
        _store.Changes.Subscribe(signal, ChangeTopic.Queue, ChangeTopic.Run, ChangeTopic.Outbox);
        Interlocked.Increment(ref _open);
        try
        {
            // Once at once: it sends the headers, and covers what changed between the page's reads and this subscription.
            yield return Frame("change", new ChangeFrame(_time.GetUtcNow().ToUnixTimeMilliseconds()));
            while (!ct.IsCancellationRequested)
            {
                if (!await signal.WaitAsync(KeepAlive, _time, ct))
                {
                    yield return Ping;
                    continue;
                }
                yield return Frame("change", new ChangeFrame(_time.GetUtcNow().ToUnixTimeMilliseconds()));
                await Task.Delay(Coalesce, _time, ct);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            _store.Changes.Unsubscribe(signal);
        }
    }

    /// <summary>The run's live events until it ends or waits for tool outputs; at once <c>done</c> when it has ended.</summary>
    public Task RunEventsAsync(HttpResponse response, Run run, CancellationToken hangUp)
    {
        if (run.IsTerminal || run.Status == RunStatus.RequiresAction)
            return EventStream.WriteAsync(response, [Frame("status", new StatusFrame(run.Status, run.EndedAtMs ?? run.CreatedAtMs, run.Attempt))],
                static _ => AsyncEnumerable.Empty<SseFrame>(), static f => [f]);
        // A queued run waits for its next execution; an active one is followed from its current one.
        var afterAttempt = run.Status == RunStatus.Queued ? run.Attempt : run.Attempt - 1;
        // A run executed on another node arrives as that node's Assistants frames: back to domain events first.
        return EventStream.WriteAsync<RunEvent>(response, [new RunStatusChanged(run)],
            ct => RelayedRunEvents.AsDomainEvents(_feed.ReadAsync(run, afterAttempt, new HashSet<string>(), ct), run, _store, ct), Of, hangUp);
    }

    /// <summary>Projected once per event and shared by every dashboard reader, like the API's frames.</summary>
    private SseFrame[] Of(RunEvent e) => (SseFrame[])(e.Projections[Surface.Dashboard] ??= Project(e));

    private SseFrame[] Project(RunEvent e) => e switch
    {
        RunCreated c => [Frame("status", new StatusFrame(c.Run.Status, c.Run.CreatedAtMs, c.Run.Attempt))],
        RunStatusChanged c => [Frame("status", new StatusFrame(c.Run.Status, _time.GetUtcNow().ToUnixTimeMilliseconds(), c.Run.Attempt))],
        StepStarted s => [Frame("step", new StepFrame(s.Step.Id, s.Step.Type, s.Step.Status))],
        ToolCallsRequested s => [Frame("step", new StepFrame(s.Step.Id, s.Step.Type, s.Step.Status))],
        StepEnded s => [Frame("step", new StepFrame(s.Step.Id, s.Step.Type, s.Step.Status))],
        MessageStarted m => [Frame("message", new MessageFrame(m.Message.Id, m.Message.Status))],
        MessageEnded m => [Frame("message", new MessageFrame(m.Message.Id, m.Message.Status))],
        TextAppended t => [Frame("text", new TextFrame(t.MessageId, t.Text))],
        _ => [],
    };

    private static SseFrame Frame<T>(string name, T value) =>
        new(name, JsonSerializer.SerializeToUtf8Bytes(value, (JsonTypeInfo<T>)DashboardJson.Default.GetTypeInfo(typeof(T))!));
}

using Threadline.Queue;
using Threadline.Runs;
using Threadline.Storage;

namespace Threadline.Dashboard;

/// <summary>What each dashboard page shows, read in one go from the store (every project's objects).</summary>
internal sealed class DashboardReads(IStore store, ProcessIdentity identity, TimeProvider time)
{
    private const long Minute = 60_000;
    private const int Minutes = 60;

    public string Node => identity.Owner;

    public ValueTask<OverviewItem> OverviewAsync(CancellationToken ct) => store.ReadAsync(async s =>
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var firstMinute = (now / Minute - (Minutes - 1)) * Minute;
        var counts = await s.Dashboard.DashboardLiveCountsAsync();
        var oldest = await s.Dashboard.DashboardOldestQueuedAsync();
        var stats = (await s.Dashboard.DashboardMinutesAsync(firstMinute)).ToDictionary(m => m.MinuteMs);
        var minutes = Enumerable.Range(0, Minutes).Select(i => firstMinute + i * Minute)
            .Select(m => stats.TryGetValue(m, out var found) ? MinuteItem.From(found) : MinuteItem.Empty(m)).ToArray();
        return new OverviewItem(now, Node,
            new LiveCounts(Count(RunStatus.Queued), Count(RunStatus.InProgress), Count(RunStatus.RequiresAction), Count(RunStatus.Cancelling)),
            oldest is null ? null : new OldestWaiting(oldest.Id, oldest.ThreadId, oldest.CreatedAtMs, oldest.EligibleAtMs, Math.Max(0, now - oldest.CreatedAtMs)),
            new HourTotals(minutes.Sum(m => (long)m.Completed), minutes.Sum(m => (long)m.Failed), minutes.Sum(m => (long)m.Other)),
            minutes);

        long Count(string status) => counts.TryGetValue(status, out var n) ? n : 0;
    }, ct);

    public ValueTask<ListPage<ThreadItem>> ThreadsAsync(ThreadQuery query, CancellationToken ct) =>
        store.ReadAsync(async s => ListPage<ThreadItem>.From(await s.Dashboard.DashboardThreadsAsync(query), ThreadItem.From), ct);

    public ValueTask<ThreadDetailItem?> ThreadAsync(string threadId, CancellationToken ct) => store.ReadAsync(async s =>
    {
        var found = await s.Dashboard.DashboardThreadsAsync(new ThreadQuery(threadId, null, null, null, null, 1));
        if (found.Items.Count == 0)
            return null;
        var queue = await s.Dashboard.DashboardThreadQueueAsync(threadId);
        return new ThreadDetailItem(ThreadItem.From(found.Items[0]), queue.Select(RunItem.From).ToArray());
    }, ct);

    public ValueTask<ListPage<MessageItem>> MessagesAsync(string threadId, long? before, int limit, CancellationToken ct) =>
        store.ReadAsync(async s => ListPage<MessageItem>.From(await s.Dashboard.DashboardMessagesAsync(threadId, before, limit), MessageItem.From), ct);

    public ValueTask<ListPage<RunItem>> RunsAsync(RunQuery query, CancellationToken ct) =>
        store.ReadAsync(async s => ListPage<RunItem>.From(await s.Dashboard.DashboardRunsAsync(query), RunItem.From), ct);

    public ValueTask<RunDetailItem?> RunAsync(string runId, CancellationToken ct) => store.ReadAsync<RunDetailItem?>(async s =>
    {
        if (await s.Runs.RunGetByIdAsync(runId) is not { } run)
            return null;
        var steps = await s.RunSteps.RunStepListByRunAsync(runId);
        return new RunDetailItem(RunItem.From(run), Timeline(run), steps.Select(StepItem.From).ToArray());
    }, ct);

    /// <summary>The moments of a run that the store keeps, in order (a resumed run shows its last execution's start).</summary>
    private static TimelineItem[] Timeline(Run run)
    {
        var items = new List<TimelineItem> { new("created", run.CreatedAtMs) };
        if (run.EligibleAtMs != run.CreatedAtMs)
            items.Add(new TimelineItem("eligible", run.EligibleAtMs));
        if (run.StartedAtMs is { } started)
            items.Add(new TimelineItem("started", started));
        if (run.FirstTokenAtMs is { } token)
            items.Add(new TimelineItem("first token", token));
        if (run.EndedAtMs is { } ended)
            items.Add(new TimelineItem(run.Status, ended));
        return items.OrderBy(i => i.AtMs).ToArray();
    }

    public ValueTask<EndpointsItem> EndpointsAsync(CancellationToken ct) => store.ReadAsync(async s =>
        new EndpointsItem((await s.Dashboard.DashboardEndpointsAsync()).Select(e => EndpointItem.From(e.Endpoint, e.Pending)).ToArray()), ct);

    public ValueTask<ListPage<DeliveryItem>> DeliveriesAsync(DeliveryQuery query, CancellationToken ct) =>
        store.ReadAsync(async s => ListPage<DeliveryItem>.From(await s.Dashboard.DashboardDeliveriesAsync(query), DeliveryItem.From), ct);

    public ValueTask<NodesItem> NodesAsync(CancellationToken ct) => store.ReadAsync(async s =>
    {
        var holders = (await s.Dashboard.DashboardLeaseHoldersAsync(s.NowMs)).ToList();
        // This node is listed even while it holds nothing: the operator sees which process answered.
        if (!holders.Any(h => h.Owner == Node))
            holders.Insert(0, new LeaseHolder(Node, 0, 0, 0, null));
        return new NodesItem(Node, holders.Select(h => new NodeItem(h.Owner, h.Runs, h.Deliveries, h.Files, h.NextLapseAtMs, h.Owner == Node)).ToArray());
    }, ct);
}

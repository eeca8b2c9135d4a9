using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Threadline.Dashboard;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Retrieval;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Threadline.Storage.Postgres;
using Threadline.Storage.Sqlite;
using Threadline.Tests.Infrastructure;
using Threadline.VectorStores;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// The operator's reads (<see cref="IDashboardDriver"/>) on the store the server builds: SQLite, or PostgreSQL in the
/// suites' PostgreSQL pass (<see cref="TestStorage"/>). Objects are written through the other drivers with the times
/// the test gives, so every expected list, count and statistic is known in advance; each list is read in pages of
/// two and must come out whole, newest first, with no object twice.
/// </summary>
public sealed partial class DashboardDriverTests : IAsyncLifetime
{
    private const string Project = StoreObjects.Project;
    private const string Other = "proj_other";
    private const long LeaseMs = 30_000;
    private const int PageSize = 2;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, 0, TimeSpan.Zero));
    private IStoreDatabase _database = null!;

    private IStore Store { get; set; } = null!;

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        _database = await new CoreStoreFactory().CreateAsync(_clock);
        Store = await _database.OpenAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    // :: Runs

    [Fact]
    public async Task Runs_of_every_project_are_listed_newest_first_by_each_filter_in_pages()
    {
        var made = new List<(Run Run, string Status)>();
        for (var i = 0; i < 8; i++)
        {
            var run = await InsertRunAsync(await InsertThreadAsync(), NowMs + i * 1000, project: i % 3 == 2 ? Other : Project,
                assistant: i % 2 == 0 ? "asst_a" : "asst_b", model: i < 4 ? "echo" : "gpt-x");
            made.Add((run, RunStatus.Queued));
        }
        foreach (var i in new[] { 1, 5, 6 })
            made[i] = (made[i].Run, (await ClaimAsync(made[i].Run.ThreadId, NowMs + 10_000))!.Status);
        await EndAsync((await ReadRunAsync(made[5].Run.Id))!, RunStatus.Completed, NowMs + 11_000);
        made[5] = (made[5].Run, RunStatus.Completed);

        async Task Expect(Func<(Run Run, string Status), bool> filter, RunQuery query)
        {
            var expected = made.Where(filter).Select(m => m.Run.Id).Reverse().ToList();
            Assert.Equal(expected, (await AllPagesAsync(before => ReadAsync(s => s.Dashboard.DashboardRunsAsync(query with { BeforeSeq = before })))).Select(r => r.Id));
        }

        var all = new RunQuery(null, null, null, null, null, null, PageSize);
        await Expect(_ => true, all);
        await Expect(m => m.Status == RunStatus.Queued, all with { Status = RunStatus.Queued });
        await Expect(m => m.Status == RunStatus.InProgress, all with { Status = RunStatus.InProgress });
        await Expect(m => m.Run.AssistantId == "asst_a", all with { AssistantId = "asst_a" });
        await Expect(m => m.Run.Model == "gpt-x", all with { Model = "gpt-x" });
        await Expect(m => m.Run.CreatedAtMs >= NowMs + 2000 && m.Run.CreatedAtMs < NowMs + 6000, all with { SinceMs = NowMs + 2000, UntilMs = NowMs + 6000 });
        await Expect(m => m.Run.AssistantId == "asst_b" && m.Status == RunStatus.Queued, all with { AssistantId = "asst_b", Status = RunStatus.Queued });
        Assert.Empty((await ReadAsync(s => s.Dashboard.DashboardRunsAsync(all with { Model = "no-such-model" }))).Items);

        var listed = (await ReadAsync(s => s.Dashboard.DashboardRunsAsync(all with { Limit = 100 }))).Items.Single(r => r.Id == made[5].Run.Id);
        Assert.Equal((Other, RunStatus.Completed, NowMs + 11_000), (listed.ProjectId, listed.Status, listed.EndedAtMs));
    }

    [Fact]
    public async Task A_time_window_lists_its_runs_newest_created_first_in_pages_whatever_order_they_were_written_in()
    {
        // Written out of creation order (another node's clock, a slow request): seq and created_at_ms disagree.
        var offsets = new[] { 5000, 1000, 3000, 9000, 2000, 4000, 7000 };
        var made = new List<Run>();
        foreach (var offset in offsets)
            made.Add(await InsertRunAsync(await InsertThreadAsync(), NowMs + offset));

        var window = new RunQuery(null, null, null, NowMs + 1500, NowMs + 8000, null, PageSize);
        var listed = await AllPagesAsync(before => ReadAsync(s => s.Dashboard.DashboardRunsAsync(window with { BeforeSeq = before })));

        var expected = made.Where(r => r.CreatedAtMs >= NowMs + 1500 && r.CreatedAtMs < NowMs + 8000).OrderByDescending(r => r.CreatedAtMs).Select(r => r.Id);
        Assert.Equal(expected, listed.Select(r => r.Id));
    }

    [Fact]
    public async Task Live_counts_and_the_oldest_queued_run_read_the_runs_in_each_status()
    {
        Assert.Equal(Counts(0, 0, 0, 0), await ReadAsync(s => s.Dashboard.DashboardLiveCountsAsync()));
        Assert.Null(await ReadAsync(s => s.Dashboard.DashboardOldestQueuedAsync()));

        var oldest = await InsertRunAsync(await InsertThreadAsync(), NowMs - 5000, project: Other);
        await InsertRunAsync(await InsertThreadAsync(), NowMs - 9000);
        var running = await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), NowMs - 20_000)).ThreadId, NowMs);
        var waiting = await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), NowMs - 20_000)).ThreadId, NowMs);
        await WriteAsync(s => s.Runs.RunStatusSetAsync(new RunStatusSet(waiting!.Id, RunStatus.RequiresAction, NowMs) { Attempt = waiting.Attempt }));
        var cancelling = await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), NowMs - 20_000)).ThreadId, NowMs);
        await WriteAsync(s => s.Runs.RunStatusSetAsync(new RunStatusSet(cancelling!.Id, RunStatus.Cancelling, NowMs) { FromStatus = RunStatus.InProgress }));
        var ended = await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), NowMs - 30_000)).ThreadId, NowMs);
        await EndAsync(ended!, RunStatus.Completed, NowMs);

        Assert.Equal(Counts(2, 1, 1, 1), await ReadAsync(s => s.Dashboard.DashboardLiveCountsAsync()));
        // Made first, not made longest ago by its clock: the queued run inserted first.
        var found = await ReadAsync(s => s.Dashboard.DashboardOldestQueuedAsync());
        Assert.Equal((oldest.Id, oldest.ThreadId, oldest.CreatedAtMs), (found!.Id, found.ThreadId, found.CreatedAtMs));
        Assert.NotNull(running);
    }

    private static Dictionary<string, long> Counts(long queued, long inProgress, long requiresAction, long cancelling) => new()
    {
        [RunStatus.Queued] = queued, [RunStatus.InProgress] = inProgress, [RunStatus.RequiresAction] = requiresAction, [RunStatus.Cancelling] = cancelling,
    };

    [Fact]
    public async Task Minutes_count_the_runs_that_ended_in_each_and_their_waits_and_first_tokens()
    {
        var minute = (NowMs / 60_000 + 1) * 60_000;
        // (created, started, first token, ended, status), relative to the minute.
        var runs = new (long Created, long Started, long? FirstToken, long Ended, string Status)[]
        {
            (-5000, 1000, 1500, 10_000, RunStatus.Completed),
            (0, 3000, 4000, 20_000, RunStatus.Failed),
            (1000, 2000, null, 30_000, RunStatus.Incomplete),
            (61_000, 62_000, 62_100, 65_000, RunStatus.Completed),
            (-90_000, -80_000, -79_000, -1, RunStatus.Completed),
        };
        foreach (var (created, started, firstToken, endedAt, status) in runs)
        {
            var claimed = await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), minute + created)).ThreadId, minute + started);
            await EndAsync(claimed!, status, minute + endedAt, firstToken is { } t ? minute + t : null);
        }

        var minutes = await ReadAsync(s => s.Dashboard.DashboardMinutesAsync(minute));

        Assert.Equal(2, minutes.Count);
        var first = minutes[0];
        Assert.Equal((minute, 1, 1, 1), (first.MinuteMs, first.Completed, first.Failed, first.Other));
        Assert.Equal(10_000 / 3.0, first.AvgWaitMs!.Value, 3);
        Assert.Equal(6000, first.MaxWaitMs);
        Assert.Equal(750, first.AvgFirstTokenMs!.Value, 3);
        Assert.Equal(1000, first.MaxFirstTokenMs);
        Assert.Equal(new MinuteStats(minute + 60_000, 1, 0, 0, 1000, 1000, 100, 100), minutes[1]);
        Assert.Empty(await ReadAsync(s => s.Dashboard.DashboardMinutesAsync(minute + 120_000)));
    }

    [Fact]
    public async Task A_run_through_the_executor_stores_when_its_first_token_arrived_with_its_end()
    {
        await using var core = await CoreHarness.StartAsync();
        var run = await core.CreateRunAsync("hello there");

        var ended = await core.UntilRunAsync(run.Id, r => r.IsTerminal);

        Assert.Equal(RunStatus.Completed, ended.Status);
        Assert.NotNull(ended.FirstTokenAtMs);
        Assert.InRange(ended.FirstTokenAtMs!.Value, ended.StartedAtMs!.Value, ended.EndedAtMs!.Value);
        var minute = Assert.Single(await core.Store.ReadAsync(s => s.Dashboard.DashboardMinutesAsync(ended.EndedAtMs.Value), CancellationToken.None));
        Assert.Equal(1, minute.Completed);
        Assert.Equal(ended.FirstTokenAtMs - ended.StartedAtMs, minute.MaxFirstTokenMs);
    }

    [Fact]
    public async Task An_unfenced_status_change_keeps_the_first_token_and_a_fenced_one_sets_it()
    {
        var claimed = await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), NowMs)).ThreadId, NowMs);
        await WriteAsync(s => s.Runs.RunStatusSetAsync(new RunStatusSet(claimed!.Id, RunStatus.RequiresAction, NowMs + 50)
        {
            Attempt = claimed.Attempt, FirstTokenAtMs = NowMs + 40,
        }));
        Assert.Equal(NowMs + 40, (await ReadRunAsync(claimed!.Id))!.FirstTokenAtMs);

        await WriteAsync(s => s.Runs.RunStatusSetAsync(new RunStatusSet(claimed.Id, RunStatus.Expired, NowMs + 90) { FromStatus = RunStatus.RequiresAction }));

        Assert.Equal(NowMs + 40, (await ReadRunAsync(claimed.Id))!.FirstTokenAtMs);
    }

    // :: Threads and their queues

    [Fact]
    public async Task Threads_are_found_by_id_external_id_and_metadata_across_projects_in_pages()
    {
        var made = new List<(string Id, string Project, string? External, string Team)>();
        for (var i = 0; i < 7; i++)
        {
            var project = i % 3 == 1 ? Other : Project;
            var external = i is 2 or 4 ? "ext-shared" : i == 5 ? null : $"ext-{i}";
            var team = i % 2 == 0 ? "red" : "blue";
            made.Add((await InsertThreadAsync(project, external, $$"""{"team":"{{team}}"}"""), project, external, team));
        }

        async Task Expect(Func<(string Id, string Project, string? External, string Team), bool> filter, ThreadQuery query)
        {
            var expected = made.Where(filter).Select(t => t.Id).Reverse().ToList();
            Assert.Equal(expected, (await AllPagesAsync(before => ReadAsync(s => s.Dashboard.DashboardThreadsAsync(query with { BeforeSeq = before })))).Select(t => t.Id));
        }

        var all = new ThreadQuery(null, null, null, null, null, PageSize);
        await Expect(_ => true, all);
        await Expect(t => t.Id == made[3].Id, all with { Id = made[3].Id });
        await Expect(t => t.External == "ext-shared", all with { ExternalId = "ext-shared" });
        await Expect(t => t.Team == "red", all with { MetadataKey = "team", MetadataValue = "red" });
        await Expect(t => t.Team == "blue" && t.External == "ext-3", all with { ExternalId = "ext-3", MetadataKey = "team", MetadataValue = "blue" });
        Assert.Empty((await ReadAsync(s => s.Dashboard.DashboardThreadsAsync(all with { MetadataKey = "team", MetadataValue = "green" }))).Items);

        var other = (await ReadAsync(s => s.Dashboard.DashboardThreadsAsync(all with { Id = made[1].Id }))).Items.Single();
        Assert.Equal((Other, "ext-1"), (other.ProjectId, other.ExternalId));
    }

    [Fact]
    public async Task A_threads_queue_is_its_active_run_then_its_queued_runs_in_the_order_they_start()
    {
        var thread = await InsertThreadAsync();
        var bystander = await InsertThreadAsync();
        Assert.Empty(await ReadAsync(s => s.Dashboard.DashboardThreadQueueAsync(thread)));
        var active = await InsertRunAsync(thread, NowMs);
        await ClaimAsync(thread, NowMs);
        var second = await InsertRunAsync(thread, NowMs + 1);
        var third = await InsertRunAsync(thread, NowMs + 2, debounceMs: 5000, maxWaitMs: 10_000);
        var front = await InsertRunAsync(thread, NowMs + 3, first: true);
        await InsertRunAsync(bystander, NowMs + 4);

        var queue = await ReadAsync(s => s.Dashboard.DashboardThreadQueueAsync(thread));

        Assert.Equal([active.Id, front.Id, second.Id, third.Id], queue.Select(r => r.Id));
        Assert.Equal([RunStatus.InProgress, RunStatus.Queued, RunStatus.Queued, RunStatus.Queued], queue.Select(r => r.Status));
        Assert.Equal(NowMs + 2 + 5000, queue[3].EligibleAtMs);
    }

    [Fact]
    public async Task A_threads_messages_are_paged_newest_position_first_ties_by_the_later_one()
    {
        var thread = await InsertThreadAsync();
        var other = await InsertThreadAsync();
        var inserted = new List<(string Id, long Position)>();
        foreach (var position in new long[] { 1, 2, 2, 3, 2, 5, 4 })
        {
            var message = StoreObjects.Message(thread, NowMs, $"at {position}") with { Position = position };
            await WriteAsync(s => s.Messages.MessageInsertAsync(message));
            inserted.Add((message.Id, position));
        }
        await WriteAsync(s => s.Messages.MessageInsertAsync(StoreObjects.Message(other, NowMs, "elsewhere") with { Position = 3 }));
        var expected = inserted.Select((m, i) => (m.Id, m.Position, Order: i)).OrderByDescending(m => m.Position).ThenByDescending(m => m.Order).Select(m => m.Id);

        var listed = await AllPagesAsync(before => ReadAsync(s => s.Dashboard.DashboardMessagesAsync(thread, before, PageSize)));

        Assert.Equal(expected, listed.Select(m => m.Id));
        var empty = await InsertThreadAsync();
        Assert.Empty((await ReadAsync(s => s.Dashboard.DashboardMessagesAsync(empty, null, PageSize))).Items);
    }

    // :: Webhooks

    [Fact]
    public async Task Deliveries_are_listed_by_status_and_endpoint_across_projects_and_got_with_their_project()
    {
        var (one, two) = (StoreObjects.Endpoint(NowMs, []), StoreObjects.Endpoint(NowMs, ["thread.run.completed"]));
        var elsewhere = StoreObjects.Endpoint(NowMs, [], project: Other);
        foreach (var endpoint in new[] { one, two, elsewhere })
            await WriteAsync(s => s.Webhooks.WebhookEndpointInsertAsync(endpoint));
        var events = new List<string>();
        foreach (var (project, type) in new[] { (Project, "thread.run.completed"), (Other, "thread.run.failed"), (Project, "thread.run.failed"), (Project, "thread.run.completed") })
        {
            var id = Ids.New("evt");
            events.Add(id);
            await WriteAsync(s => s.Webhooks.WebhookEventInsertAsync(new WebhookEventInsert(id, project, null, type, NowMs / 1000, "{}"u8.ToArray(), NowMs)));
        }
        var sent = Assert.Single(await WriteAsync(s => s.Webhooks.WebhookDeliveryClaimAsync(new DeliveryClaim("node-b", NowMs, 5000, 1, 1))));
        await WriteAsync(s => s.Webhooks.WebhookDeliveryRecordAsync(new DeliveryAttempt(sent.Delivery.Id, "node-b", NowMs + 10, true, 200, null, null, false)));

        var whole = (await ReadAsync(s => s.Dashboard.DashboardDeliveriesAsync(new DeliveryQuery(null, null, null, 100)))).Items;
        // one and elsewhere get every event of their projects, two only the completions: newest event first.
        Assert.Equal(6, whole.Count);
        Assert.Equal(events.AsEnumerable().Reverse(), whole.Select(d => d.EventId).Distinct());
        Assert.Equal(["thread.run.completed", "thread.run.failed", "thread.run.completed"],
            whole.Where(d => d.EndpointId == one.Id).Select(d => d.EventType));

        async Task Expect(Func<WebhookDelivery, bool> filter, DeliveryQuery query) =>
            Assert.Equal(whole.Where(filter).Select(d => d.Id),
                (await AllPagesAsync(before => ReadAsync(s => s.Dashboard.DashboardDeliveriesAsync(query with { BeforeSeq = before })))).Select(d => d.Id));

        var all = new DeliveryQuery(null, null, null, PageSize);
        await Expect(_ => true, all);
        await Expect(d => d.Status == "succeeded", all with { Status = "succeeded" });
        await Expect(d => d.Status == "pending", all with { Status = "pending" });
        await Expect(d => d.EndpointId == two.Id, all with { EndpointId = two.Id });
        await Expect(d => d.EndpointId == elsewhere.Id, all with { EndpointId = elsewhere.Id });
        await Expect(d => d.EndpointId == one.Id && d.Status == "pending", all with { EndpointId = one.Id, Status = "pending" });

        var got = await ReadAsync(s => s.Dashboard.DashboardDeliveryGetAsync(whole.First(d => d.EndpointId == elsewhere.Id).Id));
        Assert.Equal((Other, "thread.run.failed", "{}"), (got!.Value.ProjectId, got.Value.Delivery.EventType, System.Text.Encoding.UTF8.GetString(got.Value.Delivery.Payload)));
        var delivered = await ReadAsync(s => s.Dashboard.DashboardDeliveryGetAsync(sent.Delivery.Id));
        Assert.Equal(("succeeded", 200, 1), (delivered!.Value.Delivery.Status, delivered.Value.Delivery.LastStatusCode, delivered.Value.Delivery.Attempts));
        Assert.Null(await ReadAsync(s => s.Dashboard.DashboardDeliveryGetAsync("whd_unknown")));

        var endpoints = await ReadAsync(s => s.Dashboard.DashboardEndpointsAsync());
        Assert.Equal([elsewhere.Id, two.Id, one.Id], endpoints.Select(e => e.Endpoint.Id));
        Assert.Equal(endpoints.Select(e => (long)whole.Count(d => d.EndpointId == e.Endpoint.Id && d.Status == "pending")), endpoints.Select(e => e.Pending));
        Assert.Equal(Other, endpoints[0].Endpoint.ProjectId);
    }

    // :: Leases

    [Fact]
    public async Task Lease_holders_are_the_owners_of_runs_deliveries_and_files_held_now_with_their_next_lapse()
    {
        Assert.Empty(await ReadAsync(s => s.Dashboard.DashboardLeaseHoldersAsync(NowMs)));
        await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), NowMs - 60_000)).ThreadId, NowMs, "node-a");
        await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), NowMs - 60_000)).ThreadId, NowMs - 20_000, "node-a");
        await ClaimAsync((await InsertRunAsync(await InsertThreadAsync(), NowMs - 60_000)).ThreadId, NowMs - 31_000, "node-lapsed");
        var endpoint = StoreObjects.Endpoint(NowMs, []);
        await WriteAsync(s => s.Webhooks.WebhookEndpointInsertAsync(endpoint));
        await WriteAsync(s => s.Webhooks.WebhookEventInsertAsync(new WebhookEventInsert(Ids.New("evt"), Project, null, "thread.run.completed", NowMs / 1000, [], NowMs)));
        Assert.Single(await WriteAsync(s => s.Webhooks.WebhookDeliveryClaimAsync(new DeliveryClaim("node-b", NowMs, 5000, 10, 10))));
        var store = Ids.VectorStore();
        await WriteAsync(s => s.VectorStores.VectorStoreInsertAsync(new VectorStore
        {
            Id = store, ProjectId = Project, CreatedAt = NowMs / 1000, Name = "store", Metadata = RawJson.EmptyObject, LastActiveAt = NowMs / 1000,
            EmbeddingModel = "test-embedder",
        }));
        await WriteAsync(s => s.VectorStores.VectorStoreFileInsertAsync(new VectorStoreFile
        {
            VectorStoreId = store, FileId = "file-indexed", ProjectId = Project, CreatedAt = NowMs / 1000, Chunking = new ChunkingStrategy(300, 50),
            Attributes = RawJson.EmptyObject,
        }));
        Assert.NotNull(await WriteAsync(s => s.VectorStores.IndexingClaimAsync("node-a", NowMs, 20_000)));

        var holders = await ReadAsync(s => s.Dashboard.DashboardLeaseHoldersAsync(NowMs));

        Assert.Equal([new LeaseHolder("node-a", 2, 0, 1, NowMs + 10_000), new LeaseHolder("node-b", 0, 1, 0, NowMs + 5000)], holders);
        Assert.Equal([new LeaseHolder("node-a", 1, 0, 1, NowMs + 20_000)], await ReadAsync(s => s.Dashboard.DashboardLeaseHoldersAsync(NowMs + 10_001)));
    }

    // :: Query plans

    /// <summary>Every read, with the filters that pick an index; the unfiltered lists walk seq (the rowid or primary key) from the newest.</summary>
    private async Task<Dictionary<string, (Func<IStoreSession, ValueTask> Read, bool SeqWalk)>> PlannedReadsAsync()
    {
        var thread = await InsertThreadAsync(externalId: "ext-planned");
        var run = await InsertRunAsync(thread, NowMs);
        var message = await ReadAsync(s => s.Dashboard.DashboardMessagesAsync(thread, null, 1));
        var endpoint = (await ReadAsync(s => s.Dashboard.DashboardEndpointsAsync()))[0].Endpoint.Id;
        var delivery = (await ReadAsync(s => s.Dashboard.DashboardDeliveriesAsync(new DeliveryQuery(null, null, null, 1)))).Items[0].Id;
        var runs = new RunQuery(null, null, null, null, null, null, 50);
        return new()
        {
            ["live counts"] = (async s => await s.Dashboard.DashboardLiveCountsAsync(), false),
            ["oldest queued"] = (async s => await s.Dashboard.DashboardOldestQueuedAsync(), false),
            ["minutes"] = (async s => await s.Dashboard.DashboardMinutesAsync(NowMs - 3_600_000), false),
            ["threads"] = (async s => await s.Dashboard.DashboardThreadsAsync(new ThreadQuery(null, null, null, null, 1_000_000, 50)), true),
            ["thread by id"] = (async s => await s.Dashboard.DashboardThreadsAsync(new ThreadQuery(thread, null, null, null, null, 50)), false),
            ["thread by external id"] = (async s => await s.Dashboard.DashboardThreadsAsync(new ThreadQuery(null, "ext-planned", null, null, null, 50)), false),
            ["thread queue"] = (async s => await s.Dashboard.DashboardThreadQueueAsync(thread), false),
            ["messages"] = (async s => await s.Dashboard.DashboardMessagesAsync(thread, null, 50), false),
            ["messages before"] = (async s => await s.Dashboard.DashboardMessagesAsync(thread, message.NextBefore ?? 1, 50), false),
            ["runs"] = (async s => await s.Dashboard.DashboardRunsAsync(runs with { BeforeSeq = 1_000_000 }), true),
            ["runs by status"] = (async s => await s.Dashboard.DashboardRunsAsync(runs with { Status = RunStatus.Queued, BeforeSeq = 1_000_000 }), false),
            ["runs by assistant"] = (async s => await s.Dashboard.DashboardRunsAsync(runs with { AssistantId = "asst_planned" }), false),
            ["runs by model"] = (async s => await s.Dashboard.DashboardRunsAsync(runs with { Model = "model-planned" }), false),
            ["runs in a window"] = (async s => await s.Dashboard.DashboardRunsAsync(runs with { SinceMs = NowMs - 60_000, UntilMs = NowMs }), false),
            ["endpoints"] = (async s => await s.Dashboard.DashboardEndpointsAsync(), true),
            ["deliveries"] = (async s => await s.Dashboard.DashboardDeliveriesAsync(new DeliveryQuery(null, null, 1_000_000, 50)), true),
            ["deliveries by status"] = (async s => await s.Dashboard.DashboardDeliveriesAsync(new DeliveryQuery("failed", null, null, 50)), false),
            ["deliveries by endpoint"] = (async s => await s.Dashboard.DashboardDeliveriesAsync(new DeliveryQuery(null, endpoint, null, 50)), false),
            ["delivery"] = (async s => await s.Dashboard.DashboardDeliveryGetAsync(delivery), false),
            ["lease holders"] = (async s => await s.Dashboard.DashboardLeaseHoldersAsync(NowMs), false),
        };
    }

    /// <summary>
    /// A few thousand runs, messages and deliveries, almost all of them ended long ago as in a server that has run for a
    /// while, and the planner's statistics on them.
    /// </summary>
    private async Task FillAsync()
    {
        var threads = new List<string>();
        for (var i = 0; i < 100; i++)
            threads.Add(await InsertThreadAsync(externalId: $"ext-fill-{i}"));
        var endpoint = StoreObjects.Endpoint(NowMs, []);
        await WriteAsync(async s => await s.Webhooks.WebhookEndpointInsertAsync(endpoint));
        // In transactions of 250 rows each: one of all 4,000 took longer than the store's 5 s budget on PostgreSQL
        // when the suite's other tests shared the two cores (StoreUnavailableException in CI).
        for (var from = 0; from < 4000; from += 250)
        {
            var first = from;
            await WriteAsync(async s =>
            {
                for (var i = first; i < first + 250; i++)
                {
                    var at = NowMs - 86_400_000 + i;
                    await s.Runs.RunInsertAsync(StoreObjects.Run(threads[i % threads.Count], at, assistant: $"asst_{i % 40}") with { Model = $"model-{i % 7}" }, false);
                    await s.Messages.MessageInsertAsync(StoreObjects.Message(threads[i % threads.Count], at, "filler") with { Position = i });
                    if (i % 2 == 0)
                        await s.Webhooks.WebhookEventInsertAsync(new WebhookEventInsert(Ids.New("evt"), Project, threads[i % threads.Count], "thread.run.completed", at / 1000, [], at));
                }
            });
        }
        await ExecuteSqlAsync("UPDATE runs SET status = 'completed', started_at_ms = created_at_ms, ended_at_ms = created_at_ms + 1000 WHERE seq % 200 <> 0");
        await ExecuteSqlAsync("UPDATE webhook_deliveries SET status = 'succeeded', delivered_at_ms = created_at_ms WHERE seq % 100 <> 0");
        await ExecuteSqlAsync("ANALYZE");
    }

    [SqliteFact]
    public async Task On_SQLite_every_read_searches_an_index_or_walks_seq_from_the_newest()
    {
        await FillAsync();
        foreach (var (name, (read, seqWalk)) in await PlannedReadsAsync())
        {
            var plans = await ReadAsync(async s =>
            {
                var lite = (SqliteSession)s;
                var run = await SeenAsync<SqliteCommand>(s, tap => lite.Tap = tap, read);
                return run.Distinct().Select(c => SqlitePlan(lite, c)).ToList();
            });
            Assert.NotEmpty(plans);
            foreach (var plan in plans)
            {
                // A bare SCAN reads the whole table; one walking the rowid (seq) in order stops at the page's end.
                var scans = plan.Where(line => BareScan().IsMatch(line)).ToList();
                // A list sorted after the read has read every row that matched, however few it shows.
                Assert.True(!plan.Any(line => line.Contains("TEMP B-TREE FOR ORDER BY", StringComparison.Ordinal)), $"{name} sorts what it read: {string.Join(" | ", plan)}");
                if (!seqWalk)
                    Assert.True(scans.Count == 0, $"{name} scans a table: {string.Join(" | ", plan)}");
            }
        }
    }

    [GeneratedRegex(@"^SCAN (x|m|d|ev|runs|messages|webhook_deliveries|vector_store_files)$")]
    private static partial Regex BareScan();

    private static List<string> SqlitePlan(SqliteSession session, SqliteCommand command)
    {
        using var explain = session.Connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        foreach (SqliteParameter p in command.Parameters)
            explain.Parameters.AddWithValue(p.ParameterName, p.Value);
        using var reader = explain.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
            lines.Add(reader.GetString(3));
        return lines;
    }

    [PostgresFact]
    public async Task On_PostgreSQL_no_read_scans_runs_messages_or_deliveries_in_full()
    {
        await FillAsync();
        foreach (var (name, (read, _)) in await PlannedReadsAsync())
        {
            var plans = await ReadAsync(async s =>
            {
                var pg = (PostgresSession)s;
                // Text and values as sent: the command is disposed once it has run.
                var run = await SeenAsync<(string Sql, object[] Values)>(s,
                    tap => pg.Tap = tap is null ? null : c => tap((c.CommandText, [.. c.Parameters.Select(p => p.Value!)])), read);
                var plans = new List<string>();
                foreach (var (sql, values) in run)
                {
                    await using var explain = new NpgsqlCommand("EXPLAIN " + sql, pg.Connection, pg.Transaction);
                    foreach (var value in values)
                        explain.Parameters.Add(new NpgsqlParameter { Value = value });
                    var lines = new List<string>();
                    await using var reader = await explain.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                        lines.Add(reader.GetString(0));
                    plans.Add(string.Join("\n", lines));
                }
                return plans;
            });
            Assert.NotEmpty(plans);
            foreach (var plan in plans)
                Assert.False(Regex.IsMatch(plan, @"Seq Scan on (runs|messages|webhook_deliveries)\b"), $"{name}:\n{plan}");
        }
    }

    // :: Helpers

    /// <summary>What a session's tap saw while <paramref name="read"/> ran on it.</summary>
    private static async Task<List<T>> SeenAsync<T>(IStoreSession s, Action<Action<T>?> tap, Func<IStoreSession, ValueTask> read)
    {
        var seen = new List<T>();
        tap(seen.Add);
        try
        {
            await read(s);
        }
        finally
        {
            tap(null);
        }
        return seen;
    }

    /// <summary>Every page of a list from the newest, each at most <see cref="PageSize"/>, the cursor of each the last object of the one before.</summary>
    private static async Task<List<T>> AllPagesAsync<T>(Func<long?, Task<SeqPage<T>>> page)
    {
        var all = new List<T>();
        long? before = null;
        for (var pages = 1; ; pages++)
        {
            var got = await page(before);
            Assert.InRange(got.Items.Count, 0, PageSize);
            all.AddRange(got.Items);
            if (got.NextBefore is null)
                return all;
            Assert.Equal(PageSize, got.Items.Count);
            Assert.True(pages < 100, "the pages never end");
            before = got.NextBefore;
        }
    }

    private Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work) => Store.WriteAsync(work, CancellationToken.None).WaitAsync(Patience);

    private Task WriteAsync(Func<IStoreSession, ValueTask> work) => WriteAsync(async s =>
    {
        await work(s);
        return true;
    });

    private Task<T> ReadAsync<T>(Func<IStoreSession, ValueTask<T>> work) => Store.ReadAsync(work, CancellationToken.None).AsTask().WaitAsync(Patience);

    private Task ExecuteSqlAsync(string sql) => WriteAsync(async s =>
    {
        if (s is SqliteSession lite)
            lite.Execute(sql);
        else
            await ((PostgresSession)s).ExecuteAsync(sql);
    });

    private async Task<string> InsertThreadAsync(string project = Project, string? externalId = null, string metadata = "{}")
    {
        var thread = StoreObjects.Thread(NowMs, project: project, externalId: externalId, metadata: metadata);
        await WriteAsync(s => s.Threads.ThreadInsertAsync(thread));
        return thread.Id;
    }

    private async Task<Run> InsertRunAsync(string threadId, long createdAtMs, string project = Project, string assistant = StoreObjects.Assistant,
        string model = "echo", bool first = false, long debounceMs = 0, long maxWaitMs = 0)
    {
        var run = StoreObjects.Run(threadId, createdAtMs, debounceMs: debounceMs, maxWaitMs: maxWaitMs, assistant: assistant) with { ProjectId = project, Model = model };
        await WriteAsync(s => s.Runs.RunInsertAsync(run, first));
        return run;
    }

    private Task<Run?> ClaimAsync(string threadId, long nowMs, string owner = "node-a") =>
        WriteAsync(s => s.Runs.RunClaimHeadAsync(new RunClaim(threadId, owner, nowMs, LeaseMs)));

    private Task<Run?> EndAsync(Run claimed, string status, long nowMs, long? firstTokenAtMs = null) =>
        WriteAsync(s => s.Runs.RunStatusSetAsync(new RunStatusSet(claimed.Id, status, nowMs) { Attempt = claimed.Attempt, FirstTokenAtMs = firstTokenAtMs }));

    private Task<Run?> ReadRunAsync(string runId) => ReadAsync(s => s.Runs.RunGetByIdAsync(runId));
}

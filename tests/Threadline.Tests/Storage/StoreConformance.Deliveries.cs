using System.Text;
using Threadline.Domain;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// Webhook deliveries: a claim takes only what may be sent now (room at the endpoint, counted from deliveries locked in
/// any process; the oldest pending event of each thread first), deadlines say when a claim could find more, and
/// purging keeps what is still to be delivered.
/// </summary>
public abstract partial class StoreConformance
{
    private const long DeliveryLockMs = 10_000;

    [Fact]
    public async Task A_delivery_claim_takes_no_more_for_an_endpoint_than_it_has_room_for()
    {
        var busy = await EndpointAsync([]);
        var quiet = await EndpointAsync([]);
        var events = new List<string>();
        for (var i = 0; i < 5; i++)
            events.Add(await RecordEventAsync($"thread_{i}"));

        var first = await ClaimDeliveriesAsync("process-a", perEndpoint: 2);
        AssertClaimed(first, busy, events[0], events[1]);
        AssertClaimed(first, quiet, events[0], events[1]);
        // Locked deliveries fill the endpoints, whichever process holds them.
        Assert.Empty(await ClaimDeliveriesAsync("process-b", perEndpoint: 2));
        await RecordAttemptAsync(first.First(c => c.Endpoint.Id == busy.Id && c.Delivery.EventId == events[0]), "process-a", succeeded: true);
        var second = await ClaimDeliveriesAsync("process-b", perEndpoint: 2);
        AssertClaimed(second, busy, events[2]);
        AssertClaimed(second, quiet);
        Assert.Single(await ClaimDeliveriesAsync("process-c", perEndpoint: 10, max: 1));

        // Locks lapse: what they held may be claimed again (at least once), oldest first.
        Advance(DeliveryLockMs);
        var third = await ClaimDeliveriesAsync("process-c", perEndpoint: 2);
        AssertClaimed(third, busy, events[1], events[2]);
        AssertClaimed(third, quiet, events[0], events[1]);
    }

    [Fact]
    public async Task Concurrent_delivery_claims_from_two_stores_together_respect_an_endpoints_room()
    {
        var other = await Database.OpenAsync();
        var endpoint = await EndpointAsync([]);
        for (var i = 0; i < 8; i++)
            await RecordEventAsync($"thread_{i}");

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => WriteAsync(s => s.Webhooks.WebhookDeliveryClaimAsync(
            new DeliveryClaim($"process-{i}", s.NowMs, DeliveryLockMs, 100, 3)), i % 2 == 0 ? Store : other)));

        var claimed = claims.SelectMany(c => c).Select(c => c.Delivery.Id).ToList();
        Assert.Equal(3, claimed.Count);
        Assert.Equal(3, claimed.Distinct().Count());
    }

    [Fact]
    public async Task Deliveries_of_a_thread_to_an_endpoint_go_one_after_another_in_event_order()
    {
        var endpoint = await EndpointAsync([]);
        var e1 = await RecordEventAsync("thread_t");
        var e2 = await RecordEventAsync("thread_t");
        var e3 = await RecordEventAsync("thread_t");
        var other = await RecordEventAsync("thread_u");

        var claimed = await ClaimDeliveriesAsync("process-a");
        AssertClaimed(claimed, endpoint, e1, other);
        // A failed attempt waits for its retry, and holds its thread's later events back meanwhile.
        await RecordAttemptAsync(claimed.Single(c => c.Delivery.EventId == e1), "process-a", succeeded: false, nextAttemptAtMs: NowMs + 60_000);
        Assert.Empty(await ClaimDeliveriesAsync("process-a"));
        Advance(60_000);
        var retried = await ClaimDeliveriesAsync("process-a");
        AssertClaimed(retried, endpoint, e1, other);
        await RecordAttemptAsync(retried.Single(c => c.Delivery.EventId == e1), "process-a", succeeded: true);
        var next = await ClaimDeliveriesAsync("process-a");
        AssertClaimed(next, endpoint, e2);
        // Given up on, a delivery no longer holds its thread back.
        await RecordAttemptAsync(next[0], "process-a", succeeded: false);
        AssertClaimed(await ClaimDeliveriesAsync("process-a"), endpoint, e3);
    }

    [Fact]
    public async Task Delivery_deadlines_leave_out_locked_and_blocked_deliveries()
    {
        Assert.Equal(new DeliveryDeadlines(null, null), await DeliveryDeadlinesAsync(perEndpoint: 2));
        var endpoint = await EndpointAsync([]);
        var disabled = await EndpointAsync([]);
        await RecordEventAsync("thread_t");
        await RecordEventAsync("thread_t");
        // Deliveries to an endpoint disabled since are never due.
        await WriteAsync(s => s.Webhooks.WebhookEndpointUpdateAsync(disabled with { Enabled = false }));
        var t0 = NowMs;
        Assert.Equal(new DeliveryDeadlines(t0, null), await DeliveryDeadlinesAsync(perEndpoint: 2));

        // The first is locked, the second waits behind it.
        var first = Assert.Single(await ClaimDeliveriesAsync("process-a"));
        Assert.Equal(new DeliveryDeadlines(null, t0 + DeliveryLockMs), await DeliveryDeadlinesAsync(perEndpoint: 2));
        await RecordAttemptAsync(first, "process-a", succeeded: false, nextAttemptAtMs: t0 + 30_000);
        Assert.Equal(new DeliveryDeadlines(t0 + 30_000, null), await DeliveryDeadlinesAsync(perEndpoint: 2));

        // An endpoint with no room has nothing due.
        await RecordEventAsync("thread_u");
        var busy = Assert.Single(await ClaimDeliveriesAsync("process-a", perEndpoint: 1));
        Assert.Equal("thread_u", busy.Delivery.ThreadId);
        Assert.Equal(new DeliveryDeadlines(null, t0 + DeliveryLockMs), await DeliveryDeadlinesAsync(perEndpoint: 1));
        Assert.Equal(new DeliveryDeadlines(t0 + 30_000, t0 + DeliveryLockMs), await DeliveryDeadlinesAsync(perEndpoint: 2));
    }

    [Fact]
    public async Task Purging_deletes_the_events_past_retention_whose_deliveries_all_ended()
    {
        var endpoint = await EndpointAsync([]);
        var delivered = await RecordEventAsync("thread_a");
        await RecordEventAsync("thread_b");
        var pending = await RecordEventAsync("thread_c");
        foreach (var claimed in await ClaimDeliveriesAsync("process-a"))
            if (claimed.Delivery.EventId != pending)
                await RecordAttemptAsync(claimed, "process-a", succeeded: claimed.Delivery.EventId == delivered);
        var retainFrom = NowMs / 1000 + 5;
        Advance(10_000);
        var recent = await RecordEventAsync("thread_d");
        foreach (var claimed in await ClaimDeliveriesAsync("process-a"))
            if (claimed.Delivery.EventId == recent)
                await RecordAttemptAsync(claimed, "process-a", succeeded: true);

        Assert.Equal(2, await WriteAsync(s => s.Webhooks.WebhookEventPurgeAsync(retainFrom, 100)));

        Assert.Equal([pending, recent], (await DeliveriesAsync(endpoint.Id)).Select(d => d.EventId));
        Assert.Equal(0, await WriteAsync(s => s.Webhooks.WebhookEventPurgeAsync(retainFrom, 100)));
    }

    /// <summary>Records an event of the thread straight through the driver, as the outbox does; returns its id.</summary>
    private async Task<string> RecordEventAsync(string threadId)
    {
        var id = Ids.New("evt");
        await WriteAsync(s => s.Webhooks.WebhookEventInsertAsync(new WebhookEventInsert(id, Project, threadId, WebhookEventTypes.RunCompleted,
            s.NowMs / 1000, Encoding.UTF8.GetBytes($$"""{"id":"{{id}}"}"""), s.NowMs)));
        return id;
    }

    private Task<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(string owner, int perEndpoint = 10, int max = 100) =>
        WriteAsync(s => s.Webhooks.WebhookDeliveryClaimAsync(new DeliveryClaim(owner, s.NowMs, DeliveryLockMs, max, perEndpoint)));

    /// <summary>The outcome of an attempt: delivered, a retry at <paramref name="nextAttemptAtMs"/>, or (neither) given up.</summary>
    private Task RecordAttemptAsync(ClaimedDelivery claimed, string owner, bool succeeded, long? nextAttemptAtMs = null) =>
        WriteAsync(s => s.Webhooks.WebhookDeliveryRecordAsync(new DeliveryAttempt(claimed.Delivery.Id, owner, s.NowMs, succeeded,
            succeeded ? 200 : 500, succeeded ? null : "HTTP 500", nextAttemptAtMs, DisableEndpoint: false)));

    private Task<DeliveryDeadlines> DeliveryDeadlinesAsync(int perEndpoint) =>
        ReadAsync(s => s.Webhooks.WebhookDeliveryDeadlinesGetAsync(s.NowMs, perEndpoint));

    /// <summary>The claim took exactly these events' deliveries to the endpoint (in whatever order it returned them).</summary>
    private static void AssertClaimed(IEnumerable<ClaimedDelivery> claimed, WebhookEndpoint endpoint, params string[] events) =>
        Assert.Equal(events.Order(), claimed.Where(c => c.Endpoint.Id == endpoint.Id).Select(c => c.Delivery.EventId).Order());
}
